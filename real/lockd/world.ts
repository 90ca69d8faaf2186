/**
 * The shared storage of a lockd real-mode world (`disk-images.ts`): every host's virtlockd keeps
 * its socket in a directory of its own under the root. What the kernel holds is read from
 * `/proc/locks` by the images' inodes; the records the VM stand-ins wrote, with `records.ts`.
 */
import { tmpdir } from 'node:os';
import { readProcLocks } from '../../system/proc-locks.ts';
import { readRecords, RECORD_OFFSET } from '../../drivers/kernel/supervisor/records.ts';
import type { ObservedLock, RealWrite } from '../backend.ts';
import { createDiskWorld, type DiskWorld } from '../disk-images.ts';

/** The private storage of one run (see the module comment). */
export interface LockdWorld extends DiskWorld {
  /** The locks the kernel holds on the images now, by disk (virtlockd holds them: no holder). */
  observe(): ObservedLock[];
  /** The records on every image, in file order, by model pid (`modelPid` maps writers). */
  records(modelPid: (realPid: number) => number): RealWrite[];
}

/**
 * Creates the world; images are RECORD_OFFSET bytes of zeros (records start past them). Its
 * directory is named `prefix`… (the sanlock backend's worlds are the same, named for it).
 */
export function createLockdWorld(disks: number, parent = tmpdir(), prefix = 'lockchart-real-lockd-'):
  LockdWorld {
  const world = createDiskWorld(prefix, disks, RECORD_OFFSET, parent);
  const identities = new Map<string, number>();
  world.images.forEach((image, disk) => identities.set(`${image.dev}:${image.inode}`, disk));
  return {
    ...world,
    observe() {
      const observed: ObservedLock[] = [];
      for (const lock of readProcLocks()) {
        const disk = identities.get(`${lock.dev}:${lock.inode}`);
        if (disk === undefined || lock.blocked) continue;
        observed.push({ disk, mode: lock.mode === 'WRITE' ? 'exclusive' : 'shared', holder: null });
      }
      return observed.sort((a, b) => a.disk - b.disk || a.mode.localeCompare(b.mode));
    },
    records(modelPid) {
      const writes: RealWrite[] = [];
      for (let disk = 0; disk < disks; disk++) {
        for (const record of readRecords(world.image(disk))) {
          writes.push({ disk, pid: modelPid(record.writer) });
        }
      }
      return writes;
    },
  };
}
