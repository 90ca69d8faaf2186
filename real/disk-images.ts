/**
 * The disks of a real-mode world: a private directory (resolved with realpath, so canonical
 * paths are root + the simulator's path) holding one image per disk, reachable by every spelling
 * the simulator uses — `/shared/diskN.img`, `/shared//diskN.img` (the doubled slash resolves by
 * itself) and `/dev/disk/by-id/lockchart-diskN`, a real symlink to the image.
 */
import { mkdirSync, mkdtempSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { procDevice } from '../drivers/proc-locks.ts';
import type { Storage } from '../sim/world/storage.ts';

export interface DiskImage {
  readonly path: string;
  /** As `/proc/locks` spells the device (major:minor in hex). */
  readonly dev: string;
  readonly inode: number;
}

/** A fresh private directory for a world; realpath'd so canonical paths line up. */
export function worldRoot(prefix: string, parent = tmpdir()): string {
  return realpathSync(mkdtempSync(join(parent, prefix)));
}

/** Creates every disk's image (`bytes` of zeros) and its by-id symlink under `root`. */
export function createDiskImages(root: string, storage: Storage, bytes: number): DiskImage[] {
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
