/**
 * The disks of a real-mode world for the kernel-lock drivers: ONE private temporary directory
 * in which every path the simulator spells is reachable for real, under the same name:
 *
 *   /shared/diskN.img                 → <root>/shared/diskN.img      (the image itself)
 *   /shared//diskN.img                → <root>/shared//diskN.img     (a doubled slash)
 *   /dev/disk/by-id/lockchart-diskN   → <root>/dev/disk/by-id/lockchart-diskN, a real symlink
 *
 * so a real path is the root plus the simulator's path, and realpath — what the drivers
 * canonicalise with — does what the model's alias table says (`sim/world/storage.ts`). The
 * directory is registered with `cleanup.ts`, so even a killed run leaves nothing behind.
 */
import { rmSync } from 'node:fs';
import { trackPath } from '../drivers/supervisor/cleanup.ts';
import { createStorage, type Storage } from '../sim/world/storage.ts';
import { createDiskImages, worldRoot } from './disk-images.ts';

/** Records start at byte 4096 (`records.ts`): an image is 4 KiB of zeros to begin with. */
const IMAGE_BYTES = 4096;

/** A disk as the kernel names it in `/proc/locks`. */
export interface DiskIdentity {
  readonly dev: string;
  readonly inode: number;
}

export interface KernelWorld {
  readonly root: string;
  readonly storage: Storage;
  /** The real path of a path the simulator spells (any of a disk's spellings). */
  realPath(simPath: string): string;
  /** The real path of disk `disk`'s image. */
  image(disk: number): string;
  /** Each disk's (device, inode), by disk index. */
  readonly identities: readonly DiskIdentity[];
  /** Removes the directory; safe to call twice. */
  remove(): void;
}

export function createKernelWorld(disks: number): KernelWorld {
  // realpath: a tmpdir behind a symlink would make every canonical path differ from root + path.
  const root = worldRoot('lockchart-real-kernel-');
  const untrack = trackPath(root);
  const storage = createStorage(disks);
  const realPath = (simPath: string) => root + simPath;
  const identities: DiskIdentity[] = createDiskImages(root, storage, IMAGE_BYTES)
    .map(({ dev, inode }) => ({ dev, inode }));
  let removed = false;
  return {
    root,
    storage,
    realPath,
    image: (disk) => realPath(storage.canonical(disk)),
    identities,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(root, { recursive: true, force: true });
      untrack();
    },
  };
}
