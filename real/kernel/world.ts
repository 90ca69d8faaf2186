/**
 * The disks of a real-mode world for the kernel-lock drivers (`disk-images.ts`), with each
 * image's (device, inode): the kernel-lock backends read `/proc/locks` by them.
 */
import { RECORD_OFFSET } from '../../drivers/kernel/supervisor/records.ts';
import { createDiskWorld, type DiskWorld } from '../disk-images.ts';

/** A disk as the kernel names it in `/proc/locks`. */
export interface DiskIdentity {
  readonly dev: string;
  readonly inode: number;
}

export interface KernelWorld extends DiskWorld {
  /** Each disk's (device, inode), by disk index. */
  readonly identities: readonly DiskIdentity[];
}

/** Images are RECORD_OFFSET bytes of zeros: the VM stand-ins' records start past them. */
export function createKernelWorld(disks: number, prefix = 'lockchart-real-kernel-'): KernelWorld {
  const world = createDiskWorld(prefix, disks, RECORD_OFFSET);
  const identities = world.images.map(({ dev, inode }) => ({ dev, inode }));
  return { ...world, identities };
}
