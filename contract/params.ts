/**
 * Object parameters (`virLockManagerParam`): the typed key/value list passed to `drvNew`, and
 * their validation. `domain_lock.c` passes uuid (UUID), name (STRING), id (UINT), pid (UINT) and
 * uri (CSTRING); the seed's RFC requires at least id, uuid and name.
 */
import { lockError } from './errors.ts';
import { ParamType, type ParamTypeValue } from './flags.ts';

export type ParamValue = string | number;

export interface LockParam {
  readonly type: ParamTypeValue;
  readonly key: string;
  readonly value: ParamValue;
}

/** The parameters of a DOMAIN object, after validation. */
export interface DomainParams {
  readonly id?: number;
  readonly uuid?: string;
  readonly name?: string;
  readonly pid?: number;
  readonly uri?: string;
  /** Parameters specific to the driver (the seed: "other parameters specific to the lock
   * manager plugin"), by the keys the driver declares (`LockDriver.parameters`). */
  readonly plugin?: Readonly<Record<string, ParamValue>>;
}

export type DomainParamKey = Exclude<keyof DomainParams, 'plugin'>;

/** Each known key with the libvirt type it must carry. */
export const DOMAIN_PARAM_TYPES: Readonly<Record<DomainParamKey, ParamTypeValue>> = {
  id: ParamType.UINT,
  uuid: ParamType.UUID,
  name: ParamType.STRING,
  pid: ParamType.UINT,
  uri: ParamType.CSTRING,
};

/** The seed: "A process of VIR_LOCK_MANAGER_START_DOMAIN will be given at least 3 parameters". */
export const REQUIRED_DOMAIN_PARAMS: readonly DomainParamKey[] = ['id', 'uuid', 'name'];

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UINT_MAX = 0xffff_ffff;

export function isDomainParamKey(key: string): key is DomainParamKey {
  return Object.hasOwn(DOMAIN_PARAM_TYPES, key);
}

/** Parameter keys a driver accepts beyond the standard ones, with their types. */
export type PluginParamTypes = Readonly<Record<string, ParamTypeValue>>;

/**
 * Validates one parameter and returns its normalised value. Keys that are neither standard nor
 * declared by the driver (`declared`), values of the wrong JavaScript type, malformed UUIDs and
 * out-of-range integers are INVALID_ARG errors.
 */
export function validateParam(key: string, value: unknown, operation: string,
  declared: PluginParamTypes = {}): ParamValue {
  const type = isDomainParamKey(key) ? DOMAIN_PARAM_TYPES[key]
    : Object.hasOwn(declared, key) ? declared[key] : undefined;
  if (type === undefined) {
    const known = [...Object.keys(DOMAIN_PARAM_TYPES), ...Object.keys(declared)].join(', ');
    throw lockError('INVALID_ARG', `unknown parameter '${key}' (known: ${known})`, { operation });
  }
  if (type === ParamType.UINT) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > UINT_MAX) {
      throw lockError('INVALID_ARG', `parameter '${key}' must be an unsigned 32-bit integer, ` +
        `got ${describe(value)}`, { operation });
    }
    if (key === 'id' && value === 0) {
      throw lockError('INVALID_ARG', `parameter 'id' must be non-zero`, { operation });
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw lockError('INVALID_ARG', `parameter '${key}' must be a string, got ${describe(value)}`,
      { operation });
  }
  if (type === ParamType.UUID && !UUID_PATTERN.test(value)) {
    throw lockError('INVALID_ARG', `parameter 'uuid' is not a valid UUID: '${value}'`,
      { operation });
  }
  if (type === ParamType.STRING && value.length === 0) {
    throw lockError('INVALID_ARG', `parameter '${key}' must not be empty`, { operation });
  }
  return type === ParamType.UUID ? value.toLowerCase() : value;
}

/** Validates a libvirt-style typed parameter list (the final API's `drvNew` params). */
export function validateParamList(params: readonly LockParam[], operation: string): DomainParams {
  if (!Array.isArray(params)) {
    throw lockError('INVALID_ARG', 'params must be an array of {type, key, value}', { operation });
  }
  const out: Record<string, ParamValue> = {};
  for (const param of params) {
    if (typeof param !== 'object' || param === null || typeof param.key !== 'string') {
      throw lockError('INVALID_ARG', `malformed parameter ${describe(param)}`, { operation });
    }
    const value = validateParam(param.key, param.value, operation);
    const expected = DOMAIN_PARAM_TYPES[param.key as DomainParamKey];
    if (param.type !== expected) {
      throw lockError('INVALID_ARG', `parameter '${param.key}' must have type ${expected}, ` +
        `got ${describe(param.type)}`, { operation });
    }
    if (Object.hasOwn(out, param.key)) {
      throw lockError('INVALID_ARG', `parameter '${param.key}' given twice`, { operation });
    }
    out[param.key] = value;
  }
  return out as DomainParams;
}

export function missingParams(params: DomainParams): DomainParamKey[] {
  return REQUIRED_DOMAIN_PARAMS.filter((key) => params[key] === undefined);
}

/** Builds the typed list that `drvNew` takes from plain domain parameters. */
export function toParamList(params: DomainParams): LockParam[] {
  const list: LockParam[] = [];
  for (const key of Object.keys(DOMAIN_PARAM_TYPES) as DomainParamKey[]) {
    const value = params[key];
    if (value !== undefined) list.push({ type: DOMAIN_PARAM_TYPES[key], key, value });
  }
  return list;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string '${value.slice(0, 40)}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
