/**
 * sanlock's result codes (`sanlock_rv.h` and negative errnos) and what lockchart makes of them:
 * a typed {@link SanlockError} (a LockError with libvirt's code) that keeps the daemon's own code.
 *
 * libvirt's sanlock plugin reports codes ≤ -200 as INTERNAL_ERROR (RESOURCE_BUSY on acquire) and
 * any negative errno as SYSTEM_ERROR with that errno. lockchart keeps that, except where the
 * driver contract needs a sharper code: the answers that mean "someone holds it" (-EEXIST,
 * -EAGAIN, -EBUSY and the paxos contention codes) are RESOURCE_BUSY in every call, a pid that is
 * not registered is OPERATION_INVALID, and a release of a lease the pid does not hold (-1) is
 * INTERNAL_ERROR ("the owner does not hold it").
 */
import { LockError, type LockErrorCode, type LockErrorData } from '../../contract/errors.ts';

/** `SANLK_*` result codes (`sanlock_rv.h`), with what they mean. */
export const SANLK_CODES: Readonly<Record<number, readonly [string, string]>> = {
  [-201]: ['SANLK_ERROR', 'sanlock internal error'],
  [-202]: ['SANLK_AIO_TIMEOUT', 'disk i/o timed out'],
  [-203]: ['SANLK_WD_ERROR', 'watchdog error'],
  [-210]: ['SANLK_DBLOCK_READ', 'cannot read a paxos ballot block'],
  [-211]: ['SANLK_DBLOCK_WRITE', 'cannot write a paxos ballot block'],
  [-212]: ['SANLK_DBLOCK_LVER', 'ballot block lease version changed'],
  [-213]: ['SANLK_DBLOCK_MBAL', 'ballot was overtaken by a larger ballot'],
  [-214]: ['SANLK_DBLOCK_CHECKSUM', 'ballot block checksum error'],
  [-220]: ['SANLK_LEADER_READ', 'cannot read the lease leader record'],
  [-221]: ['SANLK_LEADER_WRITE', 'cannot write the lease leader record'],
  [-222]: ['SANLK_LEADER_DIFF', 'lease leader records differ'],
  [-223]: ['SANLK_LEADER_MAGIC', 'no lease at this location (not initialised)'],
  [-224]: ['SANLK_LEADER_VERSION', 'unsupported lease format version'],
  [-225]: ['SANLK_LEADER_SECTORSIZE', 'lease sector size mismatch'],
  [-226]: ['SANLK_LEADER_LOCKSPACE', 'lease belongs to another lockspace'],
  [-227]: ['SANLK_LEADER_RESOURCE', 'lease belongs to another resource name'],
  [-228]: ['SANLK_LEADER_NUMHOSTS', 'lease host count mismatch'],
  [-229]: ['SANLK_LEADER_CHECKSUM', 'lease leader checksum error'],
  [-240]: ['SANLK_ACQUIRE_LVER', 'lease version differs from the one requested'],
  [-241]: ['SANLK_ACQUIRE_LOCKSPACE', 'lockspace is not available'],
  [-242]: ['SANLK_ACQUIRE_IDDISK', 'cannot read the owner host\'s delta lease'],
  [-243]: ['SANLK_ACQUIRE_IDLIVE', 'lease is held by another live host'],
  [-244]: ['SANLK_ACQUIRE_OWNED', 'lease was taken by another host during the acquire'],
  [-245]: ['SANLK_ACQUIRE_OTHER', 'another host is acquiring the lease'],
  [-246]: ['SANLK_ACQUIRE_SHRETRY', 'shared lease contention, retry'],
  [-247]: ['SANLK_ACQUIRE_OWNED_RETRY', 'owner host stopped renewing but is not dead yet'],
  [-250]: ['SANLK_RELEASE_LVER', 'lease version changed before release'],
  [-251]: ['SANLK_RELEASE_OWNER', 'lease is owned by another host at release'],
  [-260]: ['SANLK_RENEW_OWNER', 'delta lease owned by another host'],
  [-261]: ['SANLK_RENEW_DIFF', 'delta lease changed under us'],
  [-262]: ['SANLK_HOSTID_BUSY', 'host_id is in use by another host'],
  [-270]: ['SANLK_REQUEST_MAGIC', 'bad request record'],
  [-271]: ['SANLK_REQUEST_VERSION', 'unsupported request record version'],
  [-272]: ['SANLK_REQUEST_OLD', 'request record is older'],
  [-273]: ['SANLK_REQUEST_LVER', 'request lease version mismatch'],
};

/** The errnos sanlock answers with, by number (Linux x86_64), with strerror's text. */
const ERRNOS: Readonly<Record<number, readonly [string, string]>> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  5: ['EIO', 'Input/output error'],
  7: ['E2BIG', 'Argument list too long'],
  9: ['EBADF', 'Bad file descriptor'],
  11: ['EAGAIN', 'Resource temporarily unavailable'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  16: ['EBUSY', 'Device or resource busy'],
  17: ['EEXIST', 'File exists'],
  19: ['ENODEV', 'No such device'],
  22: ['EINVAL', 'Invalid argument'],
  25: ['ENOTTY', 'Inappropriate ioctl for device'],
  28: ['ENOSPC', 'No space left on device'],
  34: ['ERANGE', 'Numerical result out of range'],
  39: ['ENOTEMPTY', 'Directory not empty'],
  79: ['ELIBACC', 'Can not access a needed shared library'],
  107: ['ENOTCONN', 'Transport endpoint is not connected'],
  110: ['ETIMEDOUT', 'Connection timed out'],
  111: ['ECONNREFUSED', 'Connection refused'],
  115: ['EINPROGRESS', 'Operation now in progress'],
  116: ['ESTALE', 'Stale file handle'],
};

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EAGAIN = 11;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENOSPC = 28;
export const EINPROGRESS = 115;

/** `"EEXIST"` / `"SANLK_ACQUIRE_IDLIVE"` / `"code -999"`. */
export function codeName(code: number): string {
  if (code <= -200) return SANLK_CODES[code]?.[0] ?? `SANLK code ${code}`;
  return ERRNOS[-code]?.[0] ?? `errno ${-code}`;
}

/** What a code means, in a few words (strerror, or sanlock's own meaning). */
export function describeCode(code: number): string {
  if (code <= -200) return SANLK_CODES[code]?.[1] ?? `sanlock error ${code}`;
  return ERRNOS[-code]?.[1] ?? `error ${-code}`;
}

/** The daemon commands a result can come from, as the mapping distinguishes them. */
export type SanlockOperation = 'acquire' | 'release' | 'inquire' | 'restrict' | 'killpath' |
  'register' | 'add_lockspace' | 'rem_lockspace' | 'inq_lockspace' | 'write_lockspace' |
  'write_resource' | 'align' | 'version' | 'shutdown';

/** Codes that mean "someone else holds it (now)", in any call. */
const BUSY = new Set([-EEXIST, -EAGAIN, -EBUSY, -240, -243, -244, -245, -246, -247]);

/**
 * Codes worth another try after a short, jittered pause: paxos contention between hosts, a lease
 * still being released on this host (-EAGAIN, -EBUSY), a lockspace being added (-EINPROGRESS is
 * handled by the lockspace code itself, which waits for it). A shared acquire also retries
 * SANLK_ACQUIRE_IDLIVE: another host taking or dropping its own shared hold owns the paxos lease
 * for a moment (seen here when two hosts took one shared lease at once); a lasting exclusive
 * holder still ends as RESOURCE_BUSY once the tries are spent.
 */
export function isTransient(code: number, operation: SanlockOperation, shared = false): boolean {
  if (operation === 'acquire') {
    return code === -EAGAIN || code === -EBUSY || code === -244 || code === -245 ||
      code === -246 || (shared && code === -243);
  }
  if (operation === 'add_lockspace') return code === -EAGAIN || code === -EBUSY;
  if (operation === 'release' || operation === 'inquire') return code === -EBUSY;
  return false;
}

/** The libvirt error code lockchart reports for a sanlock result in a given call. */
export function lockErrorCode(code: number, operation: SanlockOperation): LockErrorCode {
  if (BUSY.has(code)) return 'RESOURCE_BUSY';
  if (code === -ESRCH && operation !== 'add_lockspace') return 'OPERATION_INVALID';
  if (code === -EPERM && operation === 'release') return 'INTERNAL_ERROR';
  if (code === -22 || code === -34 || code === -7) return 'INVALID_ARG';
  if (code <= -200) return operation === 'acquire' ? 'RESOURCE_BUSY' : 'INTERNAL_ERROR';
  return 'SYSTEM_ERROR';
}

/** A LockError reported by the sanlock daemon: it keeps the daemon's own result code. */
export class SanlockError extends LockError {
  /** The daemon's result: a negative errno or a SANLK_* code. */
  readonly sanlockCode: number;
  /** Its name: `EEXIST`, `SANLK_ACQUIRE_IDLIVE` … */
  readonly sanlockName: string;

  constructor(data: LockErrorData, sanlockCode: number, options?: { cause?: unknown }) {
    super(data, options);
    this.sanlockCode = sanlockCode;
    this.sanlockName = codeName(sanlockCode);
  }

  /** The same error told from a caller higher up (the driver call, the resource). */
  within(context: Omit<LockErrorData, 'code' | 'message' | 'errno'>, prefix?: string): SanlockError {
    const data = { ...this.toJSON(), ...context };
    return new SanlockError(prefix ? { ...data, message: `${prefix}: ${this.message}` } : data,
      this.sanlockCode, { cause: this });
  }
}

/**
 * The typed error for a negative result of `operation`; `what` says what it was about
 * ("lease __LIBVIRT__DISKS__:e2a4…", "pid 1234").
 */
export function sanlockError(code: number, operation: SanlockOperation, what: string,
  extra: Omit<LockErrorData, 'code' | 'message' | 'errno'> = {}): SanlockError {
  const errno = code < 0 && code > -200 ? -code : undefined;
  const message = `sanlock ${operation} ${what}: ${describeCode(code)} (${codeName(code)}, ${code})`;
  return new SanlockError({ code: lockErrorCode(code, operation), message, operation,
    driver: 'sanlock', ...extra, ...(errno === undefined ? {} : { errno }) }, code);
}

export function isSanlockError(value: unknown): value is SanlockError {
  return value instanceof SanlockError;
}
