/**
 * How virtlockd's libvirt driver names a resource (`lock_driver_lockd.c`, AddResource):
 * - with `file_lockspace_dir` set: an *indirect* lease, named by the SHA-256 of the disk path
 *   inside that directory (AUTOCREATE);
 * - otherwise a *direct* lease in the default lockspace, named by the disk path itself;
 * - a LEASE resource lives in lockspace `<path>/<lockspace>` under its key.
 * Paths are used exactly as spelled: virtlockd does not canonicalise, so `/x` and `//x` are two
 * different locks (reference §6 #19). That is the exact semantics the model keeps.
 */
import { createHash } from 'node:crypto';
import type { ResourceSpec } from '../../contract/resources.ts';

const digests = new Map<string, string>();

export function sha256Hex(text: string): string {
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = createHash('sha256').update(text).digest('hex');
    if (digests.size > 100_000) digests.clear();
    digests.set(text, digest);
  }
  return digest;
}

/** The lock identity `lockspace\0name` for a resource. */
export function lockKey(resource: ResourceSpec, lockspaceDir: string | null): string {
  if (resource.kind === 'lease') {
    const lease = resource.lease;
    const space = lease ? `${lease.path}/${lease.lockspace ?? ''}` : '';
    return `${space}\0${resource.name}`;
  }
  if (lockspaceDir !== null) return `${lockspaceDir}\0${sha256Hex(resource.name)}`;
  return `\0${resource.name}`;
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
