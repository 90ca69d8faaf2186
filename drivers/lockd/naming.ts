/**
 * Which virtlockd locks a resource maps to. First libvirt's own (`lock_driver_lockd.c`,
 * AddResource), byte for byte: the disk path exactly as written, never canonicalised, so that a
 * real libvirt on the same daemon or lockspace sees the same lock:
 *
 * - DISK, direct (no `file_lockspace_dir`): lockspace `""`, name = the path as written. Never
 *   AUTOCREATE here: on release virtlockd would delete the disk image itself.
 * - DISK, indirect: lockspace = the configured dir, name = sha256hex(path as written),
 *   AUTOCREATE (the lease file is virtlockd's, inside its 0700 lockspace dir).
 * - LEASE: lockspace = `<path>/<lockspace>`, name = the key; offset must be 0.
 * - READONLY resources map to nothing: lockd never locks them.
 *
 * Then, only as an addition, lockchart's *alias lock*, taken before libvirt's name and released
 * after it, so lockchart clients that spell one disk differently (`/x`, `//x`, a by-id link)
 * exclude each other, which virtlockd's table, keyed by the name string, does not do:
 *
 * - indirect: a second lease sha256hex(real path) in the same lockspace (when it differs);
 * - direct: a lease sha256hex(real path) in an *alias lockspace* of lockchart's own
 *   (`alias_lockspace_dir`), never a second name for the image in the default lockspace: two
 *   names for one file are two descriptors in virtlockd, and closing either drops the kernel
 *   lock under both (reference §4), so a rolled-back second name would unlock the first.
 *
 * A libvirt that spells the disk another way is still not excluded on one daemon: libvirt's
 * own design gap (`docs/interop.md`).
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { lockError } from '../../contract/errors.ts';
import { sha256Hex } from '../model/naming.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { errnoOf } from './client.ts';
import { AcquireResourceFlags } from './protocol.ts';

export { sha256Hex };

/** One lock as virtlockd names it. */
export interface LockdTarget {
  /** The lockspace path: `""` for the default (direct) lockspace. */
  readonly lockspace: string;
  readonly name: string;
  /** ACQUIRE flags (SHARED, AUTOCREATE); RELEASE always sends 0. */
  readonly flags: number;
  /** The resource as the caller spelled it, for error messages. */
  readonly resource: string;
}

/** Normalises a configured lockspace dir: virtlockd matches lockspaces by exact string. */
export function normaliseLockspaceDir(dir: string): string {
  return resolve(dir);
}

/** Where the lockspaces live (the lockd driver's configuration). */
export interface LockdSpaces {
  /** `file_lockspace_dir`, or null for direct leases. */
  readonly lockspaceDir: string | null;
  /** The alias lockspace of direct mode. */
  readonly aliasDir: string;
}

/** libvirt's own lock for a resource, or null for READONLY (pure). */
export function libvirtTarget(resource: ResourceSpec, lockspaceDir: string | null):
  LockdTarget | null {
  if (resource.mode === 'readonly') return null;
  const shared = resource.mode === 'shared' ? AcquireResourceFlags.SHARED : 0;
  if (resource.kind === 'lease') {
    const lease = resource.lease;
    if (!lease?.lockspace) {
      throw lockError('INVALID_ARG', 'Missing path or lockspace for lease resource',
        { operation: 'addResource', driver: 'lockd', resource: resource.name });
    }
    if (lease.offset !== 0) {
      throw lockError('INVALID_ARG', 'Offset must be zero for this lock manager',
        { operation: 'addResource', driver: 'lockd', resource: resource.name });
    }
    return { lockspace: `${lease.path}/${lease.lockspace}`, name: resource.name, flags: shared,
      resource: resource.name };
  }
  if (lockspaceDir !== null) {
    return { lockspace: lockspaceDir, name: sha256Hex(resource.name),
      flags: shared | AcquireResourceFlags.AUTOCREATE, resource: resource.name };
  }
  return { lockspace: '', name: resource.name, flags: shared, resource: resource.name };
}

/**
 * Every lock of a resource whose disk's real path is known, in the order they are taken
 * (released in reverse): the alias lock, then libvirt's (pure; [] for READONLY).
 */
export function targetsOf(resource: ResourceSpec, realPath: string, spaces: LockdSpaces):
  LockdTarget[] {
  const libvirt = libvirtTarget(resource, spaces.lockspaceDir);
  if (libvirt === null) return [];
  if (resource.kind !== 'disk') return [libvirt];
  const alias: LockdTarget = { lockspace: spaces.lockspaceDir ?? spaces.aliasDir,
    name: sha256Hex(realPath), flags: libvirt.flags | AcquireResourceFlags.AUTOCREATE,
    resource: resource.name };
  if (alias.lockspace === libvirt.lockspace && alias.name === libvirt.name) return [libvirt];
  return [alias, libvirt];
}

/**
 * realpath with typed errors: a relative path is INVALID_ARG, a path that cannot be resolved
 * (missing, permission) is SYSTEM_ERROR carrying the errno. Synchronous on purpose: the libuv
 * thread pool's round trip costs more than the system call (it showed in the bench).
 */
export function realDiskPath(path: string): string {
  if (!isAbsolute(path)) {
    throw lockError('INVALID_ARG', `disk path must be fully qualified, got '${path}'`,
      { operation: 'addResource', driver: 'lockd', resource: path });
  }
  try {
    return realpathSync.native(path);
  } catch (error) {
    const errno = errnoOf(error);
    const detail = (error as NodeJS.ErrnoException).code ?? String(error);
    throw lockError('SYSTEM_ERROR', `Unable to resolve the real path of disk '${path}' ` +
      `(its alias lock needs it): ${detail}`,
    { operation: 'addResource', driver: 'lockd', resource: path,
      ...(errno === undefined ? {} : { errno }) });
  }
}

/** Every lock of a resource (see {@link targetsOf}), resolving the disk's real path. */
export async function resolveTargets(resource: ResourceSpec, spaces: LockdSpaces):
  Promise<LockdTarget[]> {
  if (resource.mode === 'readonly') return [];
  const real = resource.kind === 'disk' ? realDiskPath(resource.name) : '';
  return targetsOf(resource, real, spaces);
}

/**
 * The lockspace lockchart creates in the daemon (CREATE_LOCKSPACE) before taking locks in it:
 * the indirect dir, or in direct mode the alias dir. A lease's lockspace is never created: as
 * in libvirt, it must already be registered.
 */
export function managedLockspace(spaces: LockdSpaces): string {
  return spaces.lockspaceDir ?? spaces.aliasDir;
}
