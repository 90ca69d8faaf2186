/**
 * Which file a kernel-lock driver locks for a resource, the way virtlockd's driver names leases
 * (reference §3), with one deliberate difference: disk paths are canonicalised (realpath), so
 * `/a/../b.img`, `//b.img` and a symlink to it are one lock, not several (reference §6 #19).
 *
 * - read-only disk: nothing is locked;
 * - disk, direct mode: the canonical disk path itself;
 * - disk, indirect mode (`lockspace_dir`): `<lockspace_dir>/<SHA-256 of the canonical path>`,
 *   created on acquire and unlinked on the last release (virtlockd's AUTOCREATE);
 * - lease: `<path>/<lockspace>/<key>`, which must exist (offset must be 0, as for lockd).
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { lockError } from '../../contract/errors.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { systemError } from './system-error.ts';

/** One lock a driver takes: a file, locked on byte 0 in one mode. */
export interface LockTarget {
  /** The file opened and locked; also the lock's identity (the lock table's key). */
  readonly path: string;
  /** The resource name as the caller spelled it, for messages. */
  readonly resource: string;
  readonly shared: boolean;
  /** Created (mode 0600) when acquired, unlinked on the last release: indirect leases. */
  readonly autocreate: boolean;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Pure: the target of a disk whose path is already canonical. */
export function diskTarget(
  resource: ResourceSpec,
  canonicalPath: string,
  lockspaceDir: string | null,
): LockTarget {
  const shared = resource.mode === 'shared';
  if (lockspaceDir === null) {
    return { path: canonicalPath, resource: resource.name, shared, autocreate: false };
  }
  const path = join(lockspaceDir, sha256Hex(canonicalPath));
  return { path, resource: resource.name, shared, autocreate: true };
}

/**
 * The target of a resource, or null when nothing is to be locked (read-only disks).
 * @throws INVALID_ARG for a relative disk path or a malformed lease key; SYSTEM_ERROR (with the
 *   errno) when the disk path cannot be canonicalised (missing file, permission denied, loop);
 *   CONFIG_UNSUPPORTED for a lease whose offset is not 0.
 */
export function resolveTarget(
  resource: ResourceSpec,
  lockspaceDir: string | null,
  context: { readonly driver: string; readonly operation: string },
): LockTarget | null {
  if (resource.mode === 'readonly') return null;
  const where = { ...context, resource: resource.name };
  if (resource.kind === 'lease') return leaseTarget(resource, where);
  if (!resource.name.startsWith('/')) {
    throw lockError('INVALID_ARG',
      `disk path must be fully qualified, got relative path '${resource.name}'`, where);
  }
  let canonical: string;
  try {
    canonical = realpathSync.native(resource.name);
  } catch (error) {
    throw systemError(error, `cannot canonicalise disk path '${resource.name}'`, where);
  }
  return diskTarget(resource, canonical, lockspaceDir);
}

function leaseTarget(
  resource: ResourceSpec,
  where: { driver: string; operation: string; resource: string },
): LockTarget {
  const lease = resource.lease;
  if (!lease) throw lockError('INVALID_ARG', `lease '${resource.name}' has no location`, where);
  if (lease.offset !== 0) {
    throw lockError('CONFIG_UNSUPPORTED',
      `Offset must be zero for this lock manager (lease '${resource.name}')`, where);
  }
  if (resource.name.includes('/') || resource.name === '.' || resource.name === '..') {
    throw lockError('INVALID_ARG', `lease key '${resource.name}' is not a file name`, where);
  }
  const path = join(lease.path, lease.lockspace ?? '', resource.name);
  return { path, resource: resource.name, shared: resource.mode === 'shared', autocreate: false };
}
