/**
 * The two kernel lock primitives the kernel-lock drivers are built from, on byte 0, length 1,
 * exactly where virtlockd locks (`virFileLock(fd, shared, 0, 1, false)`), so both interoperate
 * with virtlockd and stay clear of QEMU's own image locks at bytes 100 and up.
 *
 * - `ofd`: open-file-description locks (`F_OFD_SETLK`, fs-native-extensions). They belong to the
 *   open file description: two descriptors of one file conflict even inside one process, and
 *   closing some *other* descriptor of the file drops nothing.
 * - `posix`: classic process-owned record locks (`F_SETLK`, fs-ext-extra-prebuilt's `fcntlSync`
 *   with a byte range; fs-ext 2.1.1 can only lock the whole file, see
 *   `docs/decisions/kernel-locks.md`). A process never conflicts with itself, and closing *any*
 *   descriptor of the file drops all of the process's locks on it.
 * Both are non-blocking: a conflict is `false`, never a wait.
 */
import { createRequire } from 'node:module';

/** Where virtlockd locks: byte 0, length 1. */
export const LOCK_START = 0;
export const LOCK_LENGTH = 1;

export interface LockPrimitive {
  readonly name: 'ofd' | 'posix';
  /** Takes (or converts to) a read or write lock on byte 0; false on a conflict. */
  tryLock(fd: number, shared: boolean): boolean;
  /** Drops the lock on byte 0 held through `fd` (or by this process, for posix). */
  unlock(fd: number): void;
}

/**
 * fs-native-extensions' native binding, called directly: its JS wrapper builds an options object
 * and re-checks its arguments on every call, which shows on the ofd hot path. `tryLock` throws
 * EAGAIN on a conflict and takes `exclusive`, not `shared`.
 */
interface FsNativeExtensions {
  tryLock(fd: number, offset: number, length: number, exclusive: boolean): void;
  unlock(fd: number, offset: number, length: number): void;
}

interface FsExtExtra {
  fcntlSync(fd: number, cmd: 'setlk', arg: number, start: number, len: number): number;
  constants: { F_RDLCK: number; F_WRLCK: number; F_UNLCK: number };
}

const require = createRequire(import.meta.url);
let ofdBinding: FsNativeExtensions | undefined;
let posixBinding: FsExtExtra | undefined;

/** The lock errors fcntl reports for a conflict (POSIX allows either). */
export function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EAGAIN' || code === 'EACCES';
}

export const ofdPrimitive: LockPrimitive = {
  name: 'ofd',
  tryLock(fd, shared) {
    ofdBinding ??= require('fs-native-extensions/binding') as FsNativeExtensions;
    try {
      ofdBinding.tryLock(fd, LOCK_START, LOCK_LENGTH, !shared);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  },
  unlock(fd) {
    ofdBinding ??= require('fs-native-extensions/binding') as FsNativeExtensions;
    ofdBinding.unlock(fd, LOCK_START, LOCK_LENGTH);
  },
};

export const posixPrimitive: LockPrimitive = {
  name: 'posix',
  tryLock(fd, shared) {
    posixBinding ??= require('fs-ext-extra-prebuilt') as FsExtExtra;
    const type = shared ? posixBinding.constants.F_RDLCK : posixBinding.constants.F_WRLCK;
    try {
      posixBinding.fcntlSync(fd, 'setlk', type, LOCK_START, LOCK_LENGTH);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  },
  unlock(fd) {
    posixBinding ??= require('fs-ext-extra-prebuilt') as FsExtExtra;
    posixBinding.fcntlSync(fd, 'setlk', posixBinding.constants.F_UNLCK, LOCK_START, LOCK_LENGTH);
  },
};
