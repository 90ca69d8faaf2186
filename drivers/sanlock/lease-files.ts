/**
 * Lease files on disk, created on demand as libvirt's sanlock plugin creates them
 * (`virLockManagerSanlockSetupLockspace`, `virLockManagerSanlockCreateLease`):
 *
 * 1. if the file exists, it is used as it is (someone formatted it; libvirt does not check);
 * 2. otherwise a file is created with O_EXCL, mode 0600, filled with zeros up to the daemon's
 *    alignment for it (1 MiB with 512-byte sectors), and formatted by the daemon:
 *    WRITE_LOCKSPACE (with io_timeout) or WRITE_RESOURCE, which is what libsanlock's
 *    `sanlock_write_lockspace` and `sanlock_init` send (verified byte for byte);
 * 3. a file whose formatting failed is removed again.
 *
 * One difference, for the same bytes on disk: libvirt creates and formats the file in place, so
 * another host that finds it in between reads an unformatted lease (-223, SANLK_LEADER_MAGIC;
 * seen here when two hosts took a new shared lease at once). lockchart formats it under a
 * temporary name in the same directory and then link(2)s it into place, which never replaces an
 * existing file: a lease file is either absent or complete. The formats hold no path, so the
 * result is the file libvirt would have written.
 *
 * Joining the lockspace follows libvirt too: -EEXIST means "already joined", and -EINPROGRESS
 * (another join or a leave in progress) is waited out with INQ_LOCKSPACE(WAIT) and retried, at
 * most 10 times.
 */
import { closeSync, constants, linkSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lockError, type LockError } from '../../contract/errors.ts';
import type { SanlockClient } from './client.ts';
import { EEXIST, EINPROGRESS } from './result-codes.ts';
import { LockspaceFlag, type SanlockDisk, type SanlockLockspace, type SanlockResource } from './wire.ts';

/** `LOCKSPACE_RETRIES` in libvirt. */
export const LOCKSPACE_RETRIES = 10;

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function systemError(error: unknown, message: string): LockError {
  const errno = (error as NodeJS.ErrnoException).errno;
  return lockError('SYSTEM_ERROR', `${message}: ${(error as Error).message}`,
    { driver: 'sanlock', ...(errno === undefined ? {} : { errno: -errno }) });
}

let temporaries = 0;

/**
 * Creates and formats `disk.path` unless it exists. Returns whether this call created it.
 * @throws SYSTEM_ERROR for a file it cannot create; what `format` throws (nothing is left).
 */
async function createFormatted(client: SanlockClient, disk: SanlockDisk, what: string,
  format: (disk: SanlockDisk) => Promise<void>): Promise<boolean> {
  if (exists(disk.path)) return false;
  let stat;
  try {
    stat = statSync(dirname(disk.path));
  } catch {
    stat = null;
  }
  if (!stat?.isDirectory()) {
    throw lockError('INTERNAL_ERROR', `Unable to create ${what} ${disk.path}: parent directory ` +
      'does not exist or is not a directory', { driver: 'sanlock' });
  }
  const temporary = { ...disk, path: join(dirname(disk.path),
    `.${basename(disk.path)}.${process.pid}.${++temporaries}.tmp`) };
  let fd: number;
  try {
    fd = openSync(temporary.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    throw systemError(error, `Unable to create ${what} ${disk.path}`);
  }
  try {
    try {
      const size = await client.align(temporary);
      writeSync(fd, Buffer.alloc(size), 0, size, 0);
    } finally {
      closeSync(fd);
    }
    await format(temporary);
    try {
      linkSync(temporary.path, disk.path); // never replaces: another host may have won
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw systemError(error, `Unable to create ${what} ${disk.path}`);
    }
  } finally {
    try {
      unlinkSync(temporary.path);
    } catch {
      // Already gone: nothing to undo.
    }
  }
}

/** Stage 1 of libvirt's lockspace setup: the lockspace file exists and is formatted. */
export function ensureLockspaceFile(client: SanlockClient, lockspace: SanlockLockspace,
  ioTimeoutS: number): Promise<boolean> {
  return createFormatted(client, lockspace.disk, 'lockspace',
    (disk) => client.writeLockspace({ ...lockspace, hostId: 0, disk }, ioTimeoutS));
}

/** A disk's lease file exists and is formatted (libvirt: on addResource, auto leases only). */
export function ensureLeaseFile(client: SanlockClient, resource: SanlockResource): Promise<boolean> {
  return createFormatted(client, resource.disks[0]!, 'lease',
    (disk) => client.writeResource({ ...resource, flags: 0, lver: 0n, disks: [disk] }));
}

/**
 * Stage 2: joins the lockspace with its host_id; "already joined" is success. Returns whether
 * this call joined it.
 * @throws whatever ADD_LOCKSPACE reports otherwise; SYSTEM_ERROR EINPROGRESS after 10 tries.
 */
export async function joinLockspace(client: SanlockClient, lockspace: SanlockLockspace,
  ioTimeoutS: number): Promise<boolean> {
  for (let left = LOCKSPACE_RETRIES; ; left--) {
    const result = await client.addLockspace(lockspace, ioTimeoutS);
    if (result === 0) return true;
    if (result === -EEXIST) return false;
    if (left <= 1) {
      throw lockError('SYSTEM_ERROR', `Unable to add lockspace ${lockspace.disk.path}: still ` +
        `in progress after ${LOCKSPACE_RETRIES} tries`,
      { operation: 'add_lockspace', driver: 'sanlock', errno: EINPROGRESS });
    }
    // -EINPROGRESS: another join (or a leave) is under way; wait for it to settle, then retry.
    await client.inqLockspace(lockspace, LockspaceFlag.INQ_WAIT);
  }
}
