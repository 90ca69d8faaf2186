/**
 * The shared storage of a lockd real-mode world: ONE private temporary directory in which every
 * path the simulator spells is reachable for real, under the same name,
 *
 *   /shared/diskN.img                 → <root>/shared/diskN.img      (the image itself)
 *   /shared//diskN.img                → <root>/shared//diskN.img     (a doubled slash)
 *   /dev/disk/by-id/lockchart-diskN   → <root>/dev/disk/by-id/lockchart-diskN, a real symlink
 *
 * so realpath — what the lockd driver canonicalises with — does what the model's alias table
 * says (`sim/world/storage.ts`). Every host's virtlockd keeps its socket in a directory of its
 * own under the root. What the kernel holds is read from `/proc/locks` by the images' inodes;
 * the records the VM stand-ins wrote, with `records.ts`.
 *
 * The directory is registered with `exit-cleanup.ts` (the same last-resort cleanup as the
 * daemons and owner processes), so a run ended by a signal leaves nothing behind either.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cleanupOnExit } from '../drivers/exit-cleanup.ts';
import { createDiskImages, worldRoot } from './disk-images.ts';
import { readProcLocks } from '../drivers/proc-locks.ts';
import { readRecords, RECORD_OFFSET } from '../drivers/supervisor/records.ts';
import { createStorage, type Storage } from '../sim/world/storage.ts';
import type { ObservedLock, RealWrite } from './backend.ts';

/** The private storage of one run (see the module comment). */
export interface LockdWorld {
  readonly root: string;
  readonly storage: Storage;
  /** The real path of a path the simulator spells (any spelling of any disk). */
  realPath(simPath: string): string;
  /** The real path of disk `disk`'s image. */
  image(disk: number): string;
  /** The locks the kernel holds on the images now, by disk (virtlockd holds them: no holder). */
  observe(): ObservedLock[];
  /** The records on every image, in file order, by model pid (`modelPid` maps writers). */
  records(modelPid: (realPid: number) => number): RealWrite[];
  /** Removes the directory; safe to call twice. */
  remove(): void;
}

/** Creates the directory, the images (4 KiB of zeros: records start past it) and the links. */
export function createLockdWorld(disks: number, parent = tmpdir()): LockdWorld {
  // realpath: a temp dir behind a symlink would make every canonical path differ from root+path.
  const root = worldRoot('lockchart-real-lockd-', parent);
  const dispose = cleanupOnExit(() => rmSync(root, { recursive: true, force: true }));
  const storage = createStorage(disks);
  const realPath = (simPath: string) => {
    if (storage.resolve(simPath) === undefined) {
      throw new RangeError(`'${simPath}' is no disk of this world`);
    }
    return root + simPath;
  };
  const identities = new Map<string, number>();
  try {
    createDiskImages(root, storage, RECORD_OFFSET).forEach((image, disk) =>
      identities.set(`${image.dev}:${image.inode}`, disk));
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    dispose();
    throw error;
  }
  let removed = false;
  return {
    root,
    storage,
    realPath,
    image: (disk) => realPath(storage.canonical(disk)),
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
        for (const record of readRecords(root + storage.canonical(disk))) {
          writes.push({ disk, pid: modelPid(record.writer) });
        }
      }
      return writes;
    },
    remove() {
      if (removed) return;
      removed = true;
      rmSync(root, { recursive: true, force: true });
      dispose();
    },
  };
}
