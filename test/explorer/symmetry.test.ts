/**
 * Symmetry reduction shrinks the state space by exactly the factor orbit counting predicts: the
 * states explored without reduction are the union of the orbits of the states explored with it
 * (Burnside), so the sum of the orbit sizes of the representatives must equal the unreduced
 * count — close to the group's order, less where states are their own mirror image.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { Explorer, explore } from '../../sim/explorer/explore.ts';
import { symmetryGroup } from '../../sim/explorer/symmetry.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { createStorage } from '../../sim/world/storage.ts';
import { drawDefinitions } from '../../sim/world/layouts.ts';
import { plainDefinitions, type WorldShape } from '../../sim/world/shape.ts';
import { Prng } from '../../sim/prng.ts';
import type { World } from '../../sim/world/types.ts';
import { plainReachable } from './plain-bfs.ts';
import { plainKey as worldKey } from '../../sim/world/fields.ts';

const CASES: ReadonlyArray<[WorldShape, readonly FaultName[], number, number]> = [
  [{ hosts: 2, vms: 2, disks: 2 }, ['libvirtd-restart', 'process-crash'], 1, 3],
  [{ hosts: 3, vms: 1, disks: 1 }, ['daemon-crash'], 1, 3],
  [{ hosts: 2, vms: 3, disks: 3 }, [], 0, 3],
  // Aliased paths are renamed spelling for spelling.
  [{ hosts: 2, vms: 2, disks: 2 }, ['path-alias'], 1, 2],
];

describe('symmetry reduction', () => {
  it('finds the group from the definitions: hosts freely, VMs only with their disks', () => {
    const group = (shape: WorldShape) => symmetryGroup(shape.hosts,
      plainDefinitions(shape, createStorage(shape.disks)), createStorage(shape.disks), true).length;
    expect(group({ hosts: 2, vms: 2, disks: 2 })).toBe(4);
    expect(group({ hosts: 3, vms: 2, disks: 2 })).toBe(12);
    // Three VMs on three disks in a ring: rotations only (a reflection breaks boot → spare).
    expect(group({ hosts: 1, vms: 3, disks: 3 })).toBe(3);
    // Two VMs booting from one disk with no spares are interchangeable.
    expect(group({ hosts: 1, vms: 2, disks: 1 })).toBe(2);
    expect(symmetryGroup(2, plainDefinitions({ hosts: 2, vms: 2, disks: 2 }, createStorage(2)),
      createStorage(2), false).length).toBe(1);
    // Drawn definitions are rarely symmetric; every group found maps them onto themselves.
    const storage = createStorage(3);
    const drawn = drawDefinitions({ hosts: 1, vms: 3, disks: 3 }, storage, new Prng(7));
    for (const g of symmetryGroup(1, drawn, storage, true)) {
      drawn.forEach((definition, vm) => {
        const image = drawn[g.vm[vm]!]!;
        expect(image.disks.map((u) => [u.mode, u.disk]))
          .toEqual(definition.disks.map((u) => [u.mode, g.disk[u.disk]]));
      });
    }
  });

  for (const [shape, faults, faultBudget, workload] of CASES) {
    const world = `${shape.hosts}×${shape.vms}×${shape.disks}`;
    it(`shrinks ${world} (faults ${faults.join(',') || 'none'}) by the orbit-counting factor`,
      async () => {
      const driver = await resolveSimDriver('model');
      const options = { driver, shape, faults, faultBudget, workload, invariants: [],
        coverage: false };
      const plain = explore({ ...options, symmetry: false });
      const representatives: World[] = [];
      const reduced = new Explorer({ ...options, onState: (world) => representatives.push(world) });
      const result = reduced.run();
      const order = result.symmetries;
      expect(order).toBeGreaterThan(1);
      expect(plain.exhausted && result.exhausted).toBe(true);
      const canonical = reduced.canonical;
      const buffer = new Int32Array(4096);
      let orbits = 0;
      for (const world of representatives) {
        const images = new Set<string>();
        for (let t = 0; t < order; t++) {
          images.add(buffer.subarray(0, canonical.encode(world, t, buffer)).join());
        }
        orbits += images.size;
      }
      expect(orbits).toBe(plain.states);
      // The images, keyed independently of the explorer's encoding, are exactly what a plain
      // search without any reduction reaches.
      const group = symmetryGroup(shape.hosts, reduced.definitions, reduced.ctx.storage, true);
      const images = new Set(representatives.flatMap((world) =>
        group.map((g) => worldKey(driver.model, world, g, reduced.ctx.storage))));
      const reachable = plainReachable(reduced.ctx, reduced.root, faults, faultBudget, workload);
      expect(images.size).toBe(reachable.size);
      expect([...reachable].filter((key) => !images.has(key))).toEqual([]);
      expect(result.states).toBeLessThan(plain.states);
      expect(plain.states).toBeLessThanOrEqual(order * result.states);
      // Most states are not their own mirror image: the factor is close to the group's order.
      expect(plain.states / result.states).toBeGreaterThan(order * 0.75);
    });
  }
});
