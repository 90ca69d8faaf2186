/**
 * The shape of a simulated world, and the plain layout of VMs on it. Random runs draw their
 * layouts from the seed (`layouts.ts`); scenarios give them explicitly; the explorer takes a
 * named one (`plain` unless told).
 */
import type { LockMode } from '../../contract/flags.ts';
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

/** The plain layout used by the explorer and small tests: VM v boots from disk v mod K, exclusive. */
export function plainDefinitions(shape: WorldShape, storage: Storage): VmDefinition[] {
  return [...Array(shape.vms).keys()].map((vm) => ({
    name: `vm${vm}`,
    disks: [use(storage, vm % shape.disks, 'exclusive')],
    spares: shape.disks > 1 ? [use(storage, (vm + 1) % shape.disks, 'shared')] : [],
  }));
}
