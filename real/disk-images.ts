/**
 * The disks of a real-mode world: ONE private directory (resolved with realpath, so canonical
 * paths are root + the simulator's path) holding one image per disk, reachable for real by every
 * spelling the simulator uses, under the same name:
 *
 *   /shared/diskN.img                 → <root>/shared/diskN.img      (the image itself)
 *   /shared//diskN.img                → <root>/shared//diskN.img     (a doubled slash)
 *   /dev/disk/by-id/lockchart-diskN   → <root>/dev/disk/by-id/lockchart-diskN, a real symlink
 *
 * so realpath — what the real drivers name alias locks after — does what the model's alias table
 * says (`sim/world/storage.ts`). The directory is registered with the last-resort cleanup
 * (`system/exit-cleanup.ts`), so even a run ended by a signal leaves nothing behind.
 */
import {
  mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cleanupOnExit } from '../system/exit-cleanup.ts';
import { ensureReaper } from '../system/reaper.ts';
import { procDevice } from '../system/proc-locks.ts';
import { createStorage, type Storage } from '../sim/world/storage.ts';

export interface DiskImage {
  readonly path: string;
  /** As `/proc/locks` spells the device (major:minor in hex). */
  readonly dev: string;
  readonly inode: number;
}

/** A fresh private directory for a world; realpath'd so canonical paths line up. */
function worldRoot(prefix: string, parent = tmpdir()): string {
  return realpathSync(mkdtempSync(join(parent, prefix)));
}

/** Creates every disk's image (`bytes` of zeros) and its by-id symlink under `root`. */
function createDiskImages(root: string, storage: Storage, bytes: number): DiskImage[] {
  const images: DiskImage[] = [];
  for (let disk = 0; disk < storage.count; disk++) {
    const image = root + storage.canonical(disk);
    mkdirSync(dirname(image), { recursive: true });
    writeFileSync(image, Buffer.alloc(bytes), { flag: 'wx' });
    const byId = root + storage.spelling(disk, 2);
    mkdirSync(dirname(byId), { recursive: true });
    symlinkSync(image, byId);
    const stat = statSync(image, { bigint: true });
    images.push({ path: image, dev: procDevice(stat.dev), inode: Number(stat.ino) });
  }
  return images;
}

/** The private directory of one real run and its disk images (see the module comment). */
export interface DiskWorld {
  readonly root: string;
  readonly storage: Storage;
  /** Each disk's image, by disk index. */
  readonly images: readonly DiskImage[];
  /** The real path of a path the simulator spells (any spelling of any disk). */
  realPath(simPath: string): string;
  /** The real path of disk `disk`'s image. */
  image(disk: number): string;
  /** Removes the directory; safe to call twice. */
  remove(): void;
}

/** Creates the directory and an image of `imageBytes` zeros per disk, with their links. */
export function createDiskWorld(prefix: string, disks: number, imageBytes: number,
  parent = tmpdir()): DiskWorld {
  ensureReaper();
  const root = worldRoot(prefix, parent);
  const removeRoot = () => rmSync(root, { recursive: true, force: true });
  const dispose = cleanupOnExit(removeRoot, { path: root });
  const storage = createStorage(disks);
  let images: DiskImage[];
  try {
    images = createDiskImages(root, storage, imageBytes);
  } catch (error) {
    removeRoot();
    dispose();
    throw error;
  }
  const realPath = (simPath: string) => {
    if (storage.resolve(simPath) === undefined) {
      throw new RangeError(`'${simPath}' is no disk of this world`);
    }
    return root + simPath;
  };
  let removed = false;
  return {
    root,
    storage,
    images,
    realPath,
    image: (disk) => root + storage.canonical(disk),
    remove() {
      if (removed) return;
      removed = true;
      removeRoot();
      dispose();
    },
  };
}
