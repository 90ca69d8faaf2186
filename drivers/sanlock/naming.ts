/**
 * Which sanlock lease a libvirt resource is, named exactly as libvirt's sanlock plugin names it
 * (`lock_driver_sanlock.c`), so lockchart and libvirt share lease files byte for byte:
 *
 * - a DISK (with `auto_disk_leases`): lockspace `__LIBVIRT__DISKS__`, resource name = the MD5 of
 *   the disk path as given (lower-case hex), lease file `<disk_lease_dir>/<md5>` at offset 0;
 * - a LEASE (`<lease>` in the domain XML): its key, path, offset and lockspace, as given;
 * - SHARED maps to SANLK_RES_SHARED; READONLY resources are never leases.
 *
 * Paths are not canonicalised, as libvirt does not: `/a` and `//a` are two different leases
 * (edge case #19). Pure.
 */
import { createHash } from 'node:crypto';
import { lockError } from '../../contract/errors.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { NAME_LEN, PATH_LEN, ResourceFlag, type SanlockLockspace, type SanlockResource } from './wire.ts';

/** `VIR_LOCK_MANAGER_SANLOCK_AUTO_DISK_LOCKSPACE`. */
export const AUTO_DISK_LOCKSPACE = '__LIBVIRT__DISKS__';
/** libvirt's default `disk_lease_dir`. */
export const DEFAULT_DISK_LEASE_DIR = '/var/lib/libvirt/sanlock';

/** The resource name of a disk: MD5 of its path, as `virCryptoHashString(MD5, path)`. */
export function diskLeaseName(diskPath: string): string {
  return createHash('md5').update(diskPath, 'utf8').digest('hex');
}

/** libvirt's "%s/%s": the directory as configured, a slash, the name (no normalisation). */
export function inLeaseDir(dir: string, name: string): string {
  return `${dir}/${name}`;
}

/** The `__LIBVIRT__DISKS__` lockspace of a lease dir, for a host_id (0 to format it). */
export function autoDiskLockspace(dir: string, hostId: number): SanlockLockspace {
  return { name: AUTO_DISK_LOCKSPACE, hostId, flags: 0,
    disk: { path: inLeaseDir(dir, AUTO_DISK_LOCKSPACE), offset: 0 } };
}

function tooLong(what: string, value: string, limit: number): never {
  throw lockError('INTERNAL_ERROR', `${what} '${value}' exceeds ${limit} characters`,
    { operation: 'addResource', driver: 'sanlock' });
}

function checkName(what: string, value: string): string {
  if (Buffer.byteLength(value) >= NAME_LEN) tooLong(what, value, NAME_LEN);
  return value;
}

function checkPath(value: string): string {
  if (Buffer.byteLength(value) >= PATH_LEN) tooLong('Lease path', value, PATH_LEN);
  return value;
}

/**
 * The sanlock lease for a resource, or null for one that is never leased (READONLY).
 * `diskLeaseDir` is null when `auto_disk_leases` is off: disks then have no lease either.
 */
export function leaseOf(resource: ResourceSpec, diskLeaseDir: string | null):
  SanlockResource | null {
  if (resource.mode === 'readonly') return null;
  const flags = resource.mode === 'shared' ? ResourceFlag.SHARED : 0;
  if (resource.kind === 'disk') {
    if (diskLeaseDir === null) return null;
    const name = diskLeaseName(resource.name);
    return { lockspace: AUTO_DISK_LOCKSPACE, name, flags, lver: 0n,
      disks: [{ path: checkPath(inLeaseDir(diskLeaseDir, name)), offset: 0 }] };
  }
  const lease = resource.lease!;
  return { lockspace: checkName('Resource lockspace', lease.lockspace ?? ''),
    name: checkName('Resource name', resource.name), flags, lver: 0n,
    disks: [{ path: checkPath(lease.path), offset: lease.offset }] };
}
