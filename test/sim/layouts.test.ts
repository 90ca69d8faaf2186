/**
 * Workload diversity: the layouts random runs draw per seed, and the explorer's named layouts,
 * reach the sharing patterns a lock driver's bugs hide in — and the explorer's default stays the
 * plain layout.
 */
import { describe, expect, it } from 'vitest';
import { Explorer } from '../../sim/explorer/explore.ts';
import { Prng } from '../../sim/prng.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { drawDefinitions, LAYOUT_NAMES, LAYOUTS } from '../../sim/world/layouts.ts';
import { plainDefinitions } from '../../sim/world/shape.ts';
import { createStorage } from '../../sim/world/storage.ts';
import type { VmDefinition, World } from '../../sim/world/types.ts';

const SHAPE = { hosts: 2, vms: 3, disks: 3 };

function drawn(seeds: number): VmDefinition[][] {
  const storage = createStorage(SHAPE.disks);
  return [...Array(seeds).keys()].map((seed) => drawDefinitions(SHAPE, storage, new Prng(seed + 1)));
}

/** Two live processes hold one disk shared at once. */
function twoSharedHolders(world: World, grants: (service: unknown) => readonly
  { owner: number; resource: string; mode: string }[]): boolean {
  const alive = new Set(world.procs.map((proc) => proc.pid));
  const holders = new Map<string, Set<number>>();
  for (const grant of grants(world.service)) {
    if (grant.mode !== 'shared' || !alive.has(grant.owner)) continue;
    holders.set(grant.resource, (holders.get(grant.resource) ?? new Set()).add(grant.owner));
  }
  return [...holders.values()].some((owners) => owners.size >= 2);
}

describe('layouts drawn per seed', () => {
  const layouts = drawn(300);

  it('never name one disk twice in a VM, and give every VM a disk', () => {
    for (const layout of layouts) {
      for (const vm of layout) {
        const disks = [...vm.disks, ...vm.spares].map((use) => use.disk);
        expect(new Set(disks).size).toBe(disks.length);
        expect(vm.disks.length).toBeGreaterThan(0);
      }
    }
  });

  it('reach every sharing pattern in a good share of seeds', () => {
    const share = (test: (layout: VmDefinition[]) => boolean) =>
      layouts.filter(test).length / layouts.length;
    // A cluster disk: one disk several VMs mount shared.
    expect(share((l) => [0, 1, 2].some((disk) => l.filter((vm) =>
      vm.disks.some((use) => use.disk === disk && use.mode === 'shared')).length >= 2))).toBeGreaterThan(0.2);
    // A shared or read-only disk listed before another (shuffled order).
    expect(share((l) => l.some((vm) => vm.disks.length > 1 && vm.disks[0]!.mode !== 'exclusive')))
      .toBeGreaterThan(0.2);
    // Three or more disks in one VM.
    expect(share((l) => l.some((vm) => vm.disks.length >= 3))).toBeGreaterThan(0.2);
    // Read-only users.
    expect(share((l) => l.some((vm) => vm.disks.some((use) => use.mode === 'readonly'))))
      .toBeGreaterThan(0.3);
    // Hotplug of a disk another VM boots from.
    expect(share((l) => l.some((vm, v) => vm.spares.some((spare) => l.some((other, o) =>
      o !== v && other.disks.some((use) => use.disk === spare.disk)))))).toBeGreaterThan(0.3);
  });

  it('differ from seed to seed', () => {
    expect(new Set(layouts.map((layout) => JSON.stringify(layout))).size).toBeGreaterThan(200);
  });
});

describe("the explorer's layouts", () => {
  it('the default is the plain layout', async () => {
    const driver = await resolveSimDriver('model');
    const shape = { hosts: 2, vms: 2, disks: 2 };
    const explorer = new Explorer({ driver, shape, faults: [], faultBudget: 0, workload: 1 });
    expect(explorer.run().definitions).toEqual(plainDefinitions(shape, createStorage(2)));
  });

  for (const name of LAYOUT_NAMES) {
    const reaches = name !== 'plain' && name !== 'readonly';
    it(`${name}: two live shared holders of one disk are ${reaches ? '' : 'not '}reachable`,
      async () => {
        const driver = await resolveSimDriver('model');
        const shape = { hosts: 2, vms: 2, disks: 2 };
        let found = false;
        const explorer = new Explorer({ driver, shape, faults: [], faultBudget: 0, workload: 4,
          definitions: LAYOUTS[name](shape, createStorage(2)), coverage: false,
          onState: (world) => {
            found ||= twoSharedHolders(world, (service) => driver.model.grants(service));
          } });
        const result = explorer.run();
        expect(result.exhausted).toBe(true);
        expect(found).toBe(reaches);
      });
  }
});
