/**
 * Which virtlockd lock a resource maps to (`lock_driver_lockd.c`, AddResource), plus the one
 * thing libvirt does not do: disk paths are canonicalised with realpath first.
 *
 * virtlockd keys its table by the name *string*, so `/x`, `//x` and a symlink to x would be
 * three "exclusive" locks on one file, all granted, and the first release would drop the kernel
 * lock under the others (reference §4). One canonical name per file closes that hole.
 *
 * - DISK, direct (no `file_lockspace_dir`): lockspace `""`, name = the canonical path. Never
 *   AUTOCREATE here: on release virtlockd would delete the disk image itself.
 * - DISK, indirect: lockspace = the configured dir, name = sha256hex(canonical path), AUTOCREATE
 *   (the lease file is virtlockd's, inside its 0700 lockspace dir).
 * - LEASE: lockspace = `<path>/<lockspace>`, name = the key; offset must be 0.
 * - READONLY resources map to nothing: lockd never locks them.
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { lockError } from '../../contract/errors.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { errnoOf } from './client.ts';
import { AcquireResourceFlags } from './protocol.ts';

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

/** libvirt's indirect lease name: the SHA-256 of the path, in lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Normalises a configured lockspace dir: virtlockd matches lockspaces by exact string. */
export function normaliseLockspaceDir(dir: string): string {
  return resolve(dir);
}

/**
 * The lock for a resource whose disk path is already canonical (pure).
 * @returns null for READONLY resources.
 */
export function targetOf(
  resource: ResourceSpec,
  canonicalPath: string,
  lockspaceDir: string | null,
): LockdTarget | null {
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
    return { lockspace: lockspaceDir, name: sha256Hex(canonicalPath),
      flags: shared | AcquireResourceFlags.AUTOCREATE, resource: resource.name };
  }
  return { lockspace: '', name: canonicalPath, flags: shared, resource: resource.name };
}

/**
 * realpath with typed errors: a relative path is INVALID_ARG, a path that cannot be resolved
 * (missing, permission) is SYSTEM_ERROR carrying the errno.
 */
export async function canonicalDiskPath(path: string): Promise<string> {
  if (!isAbsolute(path)) {
    throw lockError('INVALID_ARG', `disk path must be fully qualified, got '${path}'`,
      { operation: 'addResource', driver: 'lockd', resource: path });
  }
  try {
    return await realpath(path);
  } catch (error) {
    const errno = errnoOf(error);
    const detail = (error as NodeJS.ErrnoException).code ?? String(error);
    throw lockError('SYSTEM_ERROR', `Unable to canonicalise disk path '${path}': ${detail}`,
      { operation: 'addResource', driver: 'lockd', resource: path,
        ...(errno === undefined ? {} : { errno }) });
  }
}

/** The lock for a resource, canonicalising disk paths (null for READONLY). */
export async function resolveTarget(resource: ResourceSpec, lockspaceDir: string | null):
  Promise<LockdTarget | null> {
  if (resource.mode === 'readonly') return null;
  const canonical = resource.kind === 'disk' ? await canonicalDiskPath(resource.name) : '';
  return targetOf(resource, canonical, lockspaceDir);
}
