/**
 * Flag and enum values of libvirt's lock-driver ABI (`src/locking/lock_driver.h`, ABI 1.0.0),
 * with the same numbers, plus the RFC-era values of the 2010 seed.
 */
import { lockError } from './errors.ts';

/** major × 1,000,000 + minor × 1,000 + micro: 1.0.0. */
export const LOCK_MANAGER_VERSION = 1_000_000;

/** `virLockDriverFlags`: driver-level capabilities. */
export const DriverFlags = { USES_STATE: 1 << 0 } as const;

/** `virLockManagerObjectType`. DOMAIN is the only object type. */
export const ObjectType = { DOMAIN: 0 } as const;

/** `virLockManagerNewFlags`: NEW_STARTED = the object was freshly started, skip probes. */
export const NewFlags = { NEW_STARTED: 1 << 0 } as const;

/** `virLockManagerResourceType`. */
export const ResourceType = { DISK: 0, LEASE: 1 } as const;
export type ResourceTypeValue = (typeof ResourceType)[keyof typeof ResourceType];

/** `virLockManagerResourceFlags`. No flags = exclusive read-write. */
export const ResourceFlags = { READONLY: 1 << 0, SHARED: 1 << 1 } as const;

/** `virLockManagerAcquireFlags`. */
export const AcquireFlags = { REGISTER_ONLY: 1 << 0, RESTRICT: 1 << 1 } as const;

/** `virDomainLockFailureAction`: what the lock service should do when it loses a lease. */
export const FailureAction = { DEFAULT: 0, POWEROFF: 1, RESTART: 2, PAUSE: 3, IGNORE: 4 } as const;
export type FailureActionValue = (typeof FailureAction)[keyof typeof FailureAction];

/** `virLockManagerParamType`. */
export const ParamType = {
  STRING: 0,
  CSTRING: 1,
  INT: 2,
  LONG: 3,
  UINT: 4,
  ULONG: 5,
  DOUBLE: 6,
  UUID: 7,
} as const;
export type ParamTypeValue = (typeof ParamType)[keyof typeof ParamType];

/** The RFC's manager types (`virLockManagerNew(driver, type, flags)`). */
export const RfcObjectType = { START_DOMAIN: 0 } as const;

/** The RFC's `virLockManagerNew` flags, kept for the record (re-attach and migration). */
export const RfcNewFlags = { NEW_MIGRATE: 1 << 0, NEW_ATTACH: 1 << 1 } as const;

/**
 * libvirt's `virCheckFlags(allowed, -1)`: the first line of every callback. Unknown bits are an
 * INVALID_ARG error naming the function, with libvirt's own wording.
 */
export function checkFlags(flags: number, allowed: number, fn: string): void {
  if (!Number.isInteger(flags) || flags < 0) {
    throw lockError('INVALID_ARG', `flags must be a non-negative integer in function ${fn}`, {
      operation: fn,
    });
  }
  const unknown = flags & ~allowed;
  if (unknown !== 0) {
    throw lockError(
      'INVALID_ARG',
      `unsupported flags (0x${unknown.toString(16)}) in function ${fn}`,
      { operation: fn },
    );
  }
}

/** The lock mode a resource's flags ask for. */
export type LockMode = 'exclusive' | 'shared' | 'readonly';

export function modeOfFlags(flags: number): LockMode {
  if (flags & ResourceFlags.READONLY) return 'readonly';
  if (flags & ResourceFlags.SHARED) return 'shared';
  return 'exclusive';
}

export function flagsOfMode(mode: LockMode): number {
  if (mode === 'readonly') return ResourceFlags.READONLY;
  if (mode === 'shared') return ResourceFlags.SHARED;
  return 0;
}
