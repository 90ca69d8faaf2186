/**
 * The shape of a simulated world and the VM definitions in it. Random runs draw the definitions
 * from the seed (swarm testing: every seed gets its own mix of exclusive, shared and read-only
 * uses); scenarios and the explorer give them explicitly.
 */
import type { LockMode } from '../../contract/flags.ts';
import type { Prng } from '../prng.ts';
import type { Storage } from './storage.ts';
import type { DiskUse, VmDefinition } from './types.ts';

export interface WorldShape {
  readonly hosts: number;
  readonly vms: number;
  readonly disks: number;
}

export const DEFAULT_SHAPE: WorldShape = { hosts: 2, vms: 3, disks: 3 };

export function use(storage: Storage, disk: number, mode: LockMode): DiskUse {
  return { disk, mode, path: storage.canonical(disk) };
}

/** Draws each VM's boot disks and hotplug spares from the seed. */
export function drawDefinitions(shape: WorldShape, storage: Storage, prng: Prng): VmDefinition[] {
  const modes: LockMode[] = ['exclusive', 'exclusive', 'shared', 'readonly'];
  const definitions: VmDefinition[] = [];
  for (let vm = 0; vm < shape.vms; vm++) {
    const boot = vm % shape.disks;
    const disks = [use(storage, boot, 'exclusive')];
    if (shape.disks > 1 && prng.chance(0.5)) {
      const other = (boot + 1 + prng.int(shape.disks - 1)) % shape.disks;
      disks.push(use(storage, other, prng.pick(modes)));
    }
    const taken = new Set(disks.map((d) => d.disk));
    const free = [...Array(shape.disks).keys()].filter((disk) => !taken.has(disk));
    const spares = free.length > 0 && prng.chance(0.7) ? [use(storage, prng.pick(free), prng.pick(modes))] : [];
    definitions.push({ name: `vm${vm}`, disks, spares });
  }
  return definitions;
}

/** The plain layout used by the explorer and small tests: VM v boots from disk v mod K, exclusive. */
export function plainDefinitions(shape: WorldShape, storage: Storage): VmDefinition[] {
  return [...Array(shape.vms).keys()].map((vm) => ({
    name: `vm${vm}`,
    disks: [use(storage, vm % shape.disks, 'exclusive')],
    spares: shape.disks > 1 ? [use(storage, (vm + 1) % shape.disks, 'shared')] : [],
  }));
}
