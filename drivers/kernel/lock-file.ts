/**
 * Opening, locking, unlocking and removing one lock file, as `virlockspace.c` does it: open
 * O_RDWR (plus O_CREAT, mode 0600, for autocreated files, which are never reached through a
 * symlink: one planted in the lockspace would redirect the lease; a disk path as written may be
 * one, `/dev/disk/by-id/…`, and is followed as virtlockd follows it), lock byte
 * 0 without waiting, and for autocreated files re-check after locking that the path still names
 * the locked inode (a concurrent last release may have unlinked it: then retry on the new file).
 * The last release of an autocreated file unlinks it while still holding the lock; a shared
 * holder first tries to upgrade and leaves the file alone if another process still reads it.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { lockError } from '../../contract/errors.ts';
import type { LockPrimitive } from './primitives.ts';
import type { LockTarget } from './lock-target.ts';
import { errorCode, systemError, type SystemErrorContext } from './system-error.ts';

// libuv opens every file close-on-exec, so no lock descriptor leaks into a spawned child.
const OPEN_FLAGS = constants.O_RDWR;
const AUTOCREATE_FLAGS = constants.O_RDWR | constants.O_NOFOLLOW | constants.O_CREAT;
const MAX_ATTEMPTS = 10;

/** Whether `path` still names the file open as `fd` (false when it is gone or replaced). */
export function stillNamed(fd: number, path: string): boolean {
  try {
    const open = fstatSync(fd);
    const named = lstatSync(path);
    return open.ino === named.ino && open.dev === named.dev;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Opens and locks the target's file. Resolves with the locked descriptor, or null when another
 * lock conflicts.
 * @throws SYSTEM_ERROR (with errno) when the file cannot be opened (missing, permission denied,
 *   a symlink) or locked.
 */
export function openLocked(
  target: LockTarget,
  primitive: LockPrimitive,
  context: SystemErrorContext,
): number | null {
  const flags = target.autocreate ? AUTOCREATE_FLAGS : OPEN_FLAGS;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let fd: number;
    try {
      fd = openSync(target.path, flags, 0o600);
    } catch (error) {
      throw systemError(error, `cannot open lock file '${target.path}'`, context);
    }
    let locked: boolean;
    try {
      locked = primitive.tryLock(fd, target.shared);
      if (locked && (!target.autocreate || stillNamed(fd, target.path))) return fd;
    } catch (error) {
      closeSync(fd);
      throw systemError(error, `cannot lock '${target.path}'`, context);
    }
    closeSync(fd);
    if (!locked) return null;
  }
  throw lockError('SYSTEM_ERROR',
    `lock file '${target.path}' was replaced ${MAX_ATTEMPTS} times while locking it`, context);
}

/**
 * Drops the lock by closing its descriptor; for an autocreated file, first unlinks it if this is
 * the only holder (an exclusive lock, or a shared one that could be upgraded).
 */
export function closeLocked(target: LockTarget, fd: number, primitive: LockPrimitive): void {
  try {
    if (target.autocreate && (!target.shared || primitive.tryLock(fd, false)) &&
      stillNamed(fd, target.path)) {
      unlinkSync(target.path);
    }
  } catch {
    // Leaving the file behind is harmless: the next acquire reuses it.
  } finally {
    closeSync(fd);
  }
}
