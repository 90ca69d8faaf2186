/**
 * Resources (`drvAddResource`): a DISK named by its fully qualified path, or a LEASE named by a
 * key with `path`, `offset` and optional `lockspace` parameters.
 */
import { lockError } from './errors.ts';
import {
  checkFlags,
  modeOfFlags,
  ResourceFlags,
  ResourceType,
  type LockMode,
  type ResourceTypeValue,
} from './flags.ts';
import { describe } from './params.ts';

export type ResourceKind = 'disk' | 'lease';

export interface LeaseLocation {
  readonly path: string;
  readonly offset: number;
  readonly lockspace?: string;
}

/** One validated resource, as drivers receive it. */
export interface ResourceSpec {
  readonly kind: ResourceKind;
  /** DISK: the absolute path. LEASE: the lease key. */
  readonly name: string;
  readonly mode: LockMode;
  readonly lease?: LeaseLocation;
}

export interface LeaseParams {
  readonly path?: unknown;
  readonly offset?: unknown;
  readonly lockspace?: unknown;
}

const ALL_RESOURCE_FLAGS = ResourceFlags.READONLY | ResourceFlags.SHARED;

/**
 * Validates an addResource call. DISK names must be absolute paths (the seed: "a fully qualified
 * file path"); READONLY and SHARED together are contradictory; unknown flag bits are rejected.
 */
export function validateResource(
  type: ResourceTypeValue | number,
  name: unknown,
  flags: number,
  params: LeaseParams = {},
  operation = 'addResource',
): ResourceSpec {
  checkFlags(flags, ALL_RESOURCE_FLAGS, operation);
  if ((flags & ResourceFlags.READONLY) && (flags & ResourceFlags.SHARED)) {
    throw lockError('INVALID_ARG', 'READONLY and SHARED cannot be combined', { operation });
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw lockError('INVALID_ARG', `resource name must be a non-empty string, got ${describe(name)}`,
      { operation });
  }
  if (name.includes('\0')) {
    throw lockError('INVALID_ARG', 'resource name must not contain NUL bytes', { operation });
  }
  const mode = modeOfFlags(flags);
  if (type === ResourceType.DISK) {
    if (!name.startsWith('/')) {
      throw lockError('INVALID_ARG', `disk path must be fully qualified, got relative path '${name}'`,
        { operation, resource: name });
    }
    return { kind: 'disk', name, mode };
  }
  if (type === ResourceType.LEASE) {
    return { kind: 'lease', name, mode, lease: validateLease(params, operation) };
  }
  throw lockError('INVALID_ARG', `unknown resource type ${describe(type)}`, { operation });
}

function validateLease(params: LeaseParams, operation: string): LeaseLocation {
  const { path, offset, lockspace } = params;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw lockError('INVALID_ARG', `lease parameter 'path' must be an absolute path, ` +
      `got ${describe(path)}`, { operation });
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw lockError('INVALID_ARG', `lease parameter 'offset' must be a non-negative integer, ` +
      `got ${describe(offset)}`, { operation });
  }
  if (lockspace !== undefined && typeof lockspace !== 'string') {
    throw lockError('INVALID_ARG', `lease parameter 'lockspace' must be a string`, { operation });
  }
  return lockspace === undefined ? { path, offset } : { path, offset, lockspace };
}

/** A short human label: `disk:/var/a.img (exclusive)`. */
export function resourceLabel(resource: ResourceSpec): string {
  return `${resource.kind}:${resource.name} (${resource.mode})`;
}
