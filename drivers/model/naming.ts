/**
 * Which locks a resource maps to, in the model. libvirt's own name first of all
 * (`lock_driver_lockd.c`, AddResource), byte for byte:
 * - with `file_lockspace_dir` set: an *indirect* lease named by the SHA-256 of the disk path as
 *   written (lower-case hex) inside that directory;
 * - otherwise a *direct* lease in the default lockspace, named by the disk path as written;
 * - a LEASE resource lives in lockspace `<path>/<lockspace>` under its key.
 * libvirt does not canonicalise: `/x` and `//x` are two different locks (reference §6 #19).
 *
 * lockchart's drivers take libvirt's name and, only as an addition, an *alias lock* named after
 * the canonical path, taken first and released last (`aliasKey`):
 * - lockd, direct: a lease sha256(canonical) in a lockspace of lockchart's own, never a second
 *   name for the image in virtlockd's default lockspace (closing either of two descriptors on
 *   one file drops virtlockd's kernel lock under both);
 * - kernel-lock drivers and lockd, indirect: a second lease sha256(canonical) in the same dir.
 * And the kernel-lock drivers' direct locks are on the image itself, so their identity is the
 * file (`inode`): every spelling of one file is one lock, whatever its name.
 */
import { createHash } from 'node:crypto';
import type { ResourceSpec } from '../../contract/resources.ts';

const digests = new Map<string, string>();

/** libvirt's indirect lease name: SHA-256 of the path as written, in lower-case hex. */
export function sha256Hex(text: string): string {
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = createHash('sha256').update(text).digest('hex');
    if (digests.size > 100_000) digests.clear();
    digests.set(text, digest);
  }
  return digest;
}

/** How a driver names its locks (see the module comment). */
export interface Naming {
  /** `file_lockspace_dir`, or null for direct leases. */
  readonly lockspaceDir: string | null;
  /** lockchart's alias locks by canonical path, on top of libvirt's names. */
  readonly aliasLocks: boolean;
  /** Direct locks are on the file itself (kernel-lock drivers): identity is the canonical path. */
  readonly inode: boolean;
  /**
   * The spellings the world knows (symlinks) mapped to their canonical path, as realpath would
   * resolve them; other paths are normalised.
   */
  readonly paths: Readonly<Record<string, string>>;
}

/** The lockspace name the model gives lockd's alias lockspace (direct mode). */
export const ALIAS_LOCKSPACE = 'lockchart-aliases';

/** What realpath gives for a path in this world. */
export function canonicalOf(naming: Naming, path: string): string {
  return naming.paths[path] ?? normalisePath(path);
}

/** libvirt's own lock for the resource, as a key `lockspace\0name`. */
export function nameKey(resource: ResourceSpec, naming: Naming): string {
  if (resource.kind === 'lease') {
    const lease = resource.lease;
    const space = lease ? `${lease.path}/${lease.lockspace ?? ''}` : '';
    return `${space}\0${resource.name}`;
  }
  if (naming.lockspaceDir !== null) return `${naming.lockspaceDir}\0${sha256Hex(resource.name)}`;
  return `\0${naming.inode ? canonicalOf(naming, resource.name) : resource.name}`;
}

/** lockchart's alias lock for a disk, or null (no alias locks, a lease, or the same lock). */
export function aliasKey(resource: ResourceSpec, naming: Naming): string | null {
  if (resource.kind !== 'disk' || !naming.aliasLocks) return null;
  const digest = sha256Hex(canonicalOf(naming, resource.name));
  if (naming.lockspaceDir !== null) {
    const key = `${naming.lockspaceDir}\0${digest}`;
    return key === nameKey(resource, naming) ? null : key;
  }
  return naming.inode ? null : `${ALIAS_LOCKSPACE}\0${digest}`;
}

/** Every lock of a resource, in the order it is taken (released in reverse). */
export function lockKeys(resource: ResourceSpec, naming: Naming): string[] {
  const alias = aliasKey(resource, naming);
  const name = nameKey(resource, naming);
  return alias === null ? [name] : [alias, name];
}

/** Pure path normalisation (what realpath does short of symlinks): `//`, `/./`, `/../`. */
export function normalisePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
