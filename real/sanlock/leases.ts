/**
 * The world's disks as sanlock leases, named as libvirt names them (the MD5 of the path as
 * spelled, in `disk_lease_dir`: `drivers/sanlock/naming.ts`), for every spelling the simulator
 * uses: for real (the world's paths, in the run's lease directory) and in the model (the
 * simulator's own paths, in the model's `disk_lease_dir`). Pure:
 *
 * - what a pid holds, read from the daemon's inquire string, as locks on the world's disks;
 * - a lock-state string the model handed to an acquire, renamed to the real leases (versions
 *   kept), so the real driver parses a string of the same form as the one the model parsed.
 */
import { diskLeaseName, inLeaseDir } from '../../drivers/sanlock/naming.ts';
import { formatState, parseState } from '../../drivers/sanlock/state-string.ts';
import { ResourceFlag } from '../../drivers/sanlock/wire.ts';
import { ALIAS_SPELLINGS } from '../../sim/world/storage.ts';
import type { ObservedLock } from '../backend.ts';
import type { DiskWorld } from '../disk-images.ts';

export interface WorldLeases {
  /** The disk a real lease name stands for (any spelling). */
  diskOf(name: string): number | undefined;
  /** The locks an inquire string (`state`) of model pid `holder` says it holds. */
  observed(state: string | null, holder: number): ObservedLock[];
  /** The model's lock-state string with the real leases' names and files. */
  realState(state: string | null): string | null;
}

/** The leases of `world` (real ones in `leaseDir`; the model keeps its in `modelLeaseDir`). */
export function worldLeases(world: Pick<DiskWorld, 'storage' | 'realPath'>, leaseDir: string,
  modelLeaseDir: string): WorldLeases {
  const disks = new Map<string, number>();
  const renamed = new Map<string, string>();
  for (let disk = 0; disk < world.storage.count; disk++) {
    for (let n = 0; n < ALIAS_SPELLINGS; n++) {
      const spelling = world.storage.spelling(disk, n);
      const real = diskLeaseName(world.realPath(spelling));
      disks.set(real, disk);
      renamed.set(diskLeaseName(spelling), real);
    }
  }
  return {
    diskOf: (name) => disks.get(name),
    observed(state, holder) {
      if (state === null || state === '') return [];
      return parseState(state).flatMap((lease) => {
        const disk = disks.get(lease.name);
        return disk === undefined ? [] : [{ disk, holder,
          mode: lease.flags & ResourceFlag.SHARED ? 'shared' as const : 'exclusive' as const }];
      });
    },
    realState(state) {
      if (state === null || state === '') return state;
      let leases;
      try {
        leases = parseState(state);
      } catch {
        return state; // the real driver refuses it as the model did
      }
      return formatState(leases.map((lease) => {
        const name = renamed.get(lease.name);
        const path = lease.disks[0]?.path;
        if (name === undefined || path !== inLeaseDir(modelLeaseDir, lease.name)) return lease;
        return { ...lease, name, disks: [{ path: inLeaseDir(leaseDir, name), offset: 0 }] };
      }));
    },
  };
}
