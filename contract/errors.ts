/**
 * Typed lock-manager errors.
 *
 * libvirt reports every failure as `-1` plus a thread-local `virError` carrying a numeric code
 * (`include/libvirt/virterror.h`). lockchart keeps the same codes but carries them in the
 * rejection itself: every driver call and every API-face call resolves with its documented value
 * or rejects with exactly one {@link LockError}.
 */

/** Our error codes, each named after and mapped onto libvirt's `virErrorNumber`. */
export const LIBVIRT_ERROR_CODES = {
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  OPERATION_DENIED: 29,
  SYSTEM_ERROR: 38,
  RPC: 39,
  OPERATION_INVALID: 55,
  CONFIG_UNSUPPORTED: 67,
  OPERATION_TIMEOUT: 68,
  RESOURCE_BUSY: 87,
} as const;

export type LockErrorCode = keyof typeof LIBVIRT_ERROR_CODES;

/** libvirt's error domains (`virErrorDomain`) that lock errors come from. */
export const ERROR_DOMAINS = { RPC: 7, LOCKING: 42, LOCKSPACE: 51 } as const;

/** The serialisable content of a {@link LockError}: what traces and machine contexts store. */
export interface LockErrorData {
  readonly code: LockErrorCode;
  readonly message: string;
  /** The call that failed, e.g. `acquire` or `manager.setParameter`. */
  readonly operation?: string;
  /** The driver that reported it, e.g. `model` or `lockd`. */
  readonly driver?: string;
  /** The resource the failure is about, when there is one. */
  readonly resource?: string;
  /** The OS errno behind a SYSTEM_ERROR, when known. */
  readonly errno?: number;
}

export class LockError extends Error implements LockErrorData {
  override readonly name = 'LockError';
  readonly code: LockErrorCode;
  declare readonly operation?: string;
  declare readonly driver?: string;
  declare readonly resource?: string;
  declare readonly errno?: number;

  constructor(data: LockErrorData, options?: { cause?: unknown }) {
    super(data.message, options);
    this.code = data.code;
    // Optional fields exist only when set, so errors compare and serialise cleanly.
    const self = this as { -readonly [K in keyof LockErrorData]?: LockErrorData[K] };
    if (data.operation !== undefined) self.operation = data.operation;
    if (data.driver !== undefined) self.driver = data.driver;
    if (data.resource !== undefined) self.resource = data.resource;
    if (data.errno !== undefined) self.errno = data.errno;
  }

  /** libvirt's numeric `virErrorNumber` for this error. */
  get libvirtCode(): number {
    return LIBVIRT_ERROR_CODES[this.code];
  }

  toJSON(): LockErrorData {
    return toErrorData(this);
  }
}

/**
 * Plain error data, without constructing an Error (no stack capture): what pure models and the
 * simulator use on their hot paths. `new LockError(data)` turns it into a throwable.
 */
export function errorData(
  code: LockErrorCode,
  message: string,
  extra: Omit<LockErrorData, 'code' | 'message'> = {},
): LockErrorData {
  return { code, message, ...extra };
}

/** Shorthand constructor: `lockError('RESOURCE_BUSY', 'disk /a is locked', { resource: '/a' })`. */
export function lockError(
  code: LockErrorCode,
  message: string,
  extra: Omit<LockErrorData, 'code' | 'message'> = {},
): LockError {
  return new LockError({ code, message, ...extra });
}

export function isLockError(value: unknown): value is LockError {
  return value instanceof LockError;
}

export function isLockErrorCode(value: unknown): value is LockErrorCode {
  return typeof value === 'string' && Object.hasOwn(LIBVIRT_ERROR_CODES, value);
}

/** Strips an error down to its plain data (drops the stack and prototype). */
export function toErrorData(error: LockErrorData): LockErrorData {
  const data: { -readonly [K in keyof LockErrorData]: LockErrorData[K] } = {
    code: error.code,
    message: error.message,
  };
  if (error.operation !== undefined) data.operation = error.operation;
  if (error.driver !== undefined) data.driver = error.driver;
  if (error.resource !== undefined) data.resource = error.resource;
  if (error.errno !== undefined) data.errno = error.errno;
  return data;
}

/**
 * Turns anything a driver threw into a LockError, the way `lock_manager.c` wraps a driver that
 * fails without reporting: foreign exceptions become INTERNAL_ERROR naming the operation.
 */
export function asLockError(
  thrown: unknown,
  context: { operation: string; driver?: string },
): LockError {
  if (thrown instanceof LockError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new LockError(
    {
      code: 'INTERNAL_ERROR',
      message: `${context.operation} failed unexpectedly: ${message}`,
      ...context,
    },
    { cause: thrown },
  );
}
