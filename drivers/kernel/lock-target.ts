/**
 * Which files a kernel-lock driver locks for a resource: libvirt's own names, byte for byte
 * (`lock_driver_lockd.c`, AddResource: the path exactly as written, never canonicalised), and
 * lockchart's alias protection only as an addition that cannot take compatibility away:
 *
 * - read-only disk: nothing is locked;
 * - disk, direct mode: the disk path as written. The lock is on the file itself (byte 0), so
 *   every spelling of one file — `..`, `//`, a symlink, a hard link — is one lock, here and
 *   against a virtlockd on the same host: no alias lock is needed;
 * - disk, indirect mode (`lockspace_dir`): `<lockspace_dir>/<SHA-256 of the path as written>`,
 *   libvirt's lease, and before it an alias lease `<lockspace_dir>/<SHA-256 of the real path>`
 *   (when the two differ), so that lockchart clients spelling one disk differently exclude each
 *   other. Both are created on acquire and unlinked on the last release (virtlockd's
 *   AUTOCREATE). A libvirt on the same lockspace that spells the disk another way than lockchart
 *   and than its real path is not excluded: libvirt's own design gap (`docs/interop.md`);
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

/** libvirt's indirect lease name (virCryptoHashString): SHA-256, lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Pure: the locks of a disk, in the order they are taken (released in reverse): libvirt's
 * name last, the alias lease by `realPath` (indirect mode, when it differs) first.
 */
export function diskTargets(
  resource: ResourceSpec,
  realPath: string | null,
  lockspaceDir: string | null,
): LockTarget[] {
  const shared = resource.mode === 'shared';
  if (lockspaceDir === null) {
    return [{ path: resource.name, resource: resource.name, shared, autocreate: false }];
  }
  const lease = (text: string): LockTarget =>
    ({ path: join(lockspaceDir, sha256Hex(text)), resource: resource.name, shared,
      autocreate: true });
  const libvirt = lease(resource.name);
  if (realPath === null || realPath === resource.name) return [libvirt];
  const alias = lease(realPath);
  return alias.path === libvirt.path ? [libvirt] : [alias, libvirt];
}

/**
 * The locks of a resource, in the order they are taken; [] when nothing is to be locked
 * (read-only disks).
 * @throws INVALID_ARG for a relative disk path or a malformed lease key; SYSTEM_ERROR (with the
 *   errno) in indirect mode when the disk's real path cannot be resolved (missing file,
 *   permission denied, loop): its alias lease needs it; CONFIG_UNSUPPORTED for a lease whose
 *   offset is not 0.
 */
export function resolveTargets(
  resource: ResourceSpec,
  lockspaceDir: string | null,
  context: { readonly driver: string; readonly operation: string },
): LockTarget[] {
  if (resource.mode === 'readonly') return [];
  const where = { ...context, resource: resource.name };
  if (resource.kind === 'lease') return [leaseTarget(resource, where)];
  if (!resource.name.startsWith('/')) {
    throw lockError('INVALID_ARG',
      `disk path must be fully qualified, got relative path '${resource.name}'`, where);
  }
  if (lockspaceDir === null) return diskTargets(resource, null, null);
  let real: string;
  try {
    real = realpathSync.native(resource.name);
  } catch (error) {
    throw systemError(error, `cannot resolve the real path of disk '${resource.name}'`, where);
  }
  return diskTargets(resource, real, lockspaceDir);
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
