/**
 * The line protocol between TypeScript and the libvirt helper (`helper/host.c` documents every
 * request). Pure: encoding of strings, parameters and resources, and decoding of reply lines
 * into values or typed errors carrying libvirt's own error fields.
 *
 * Strings are `s` + their UTF-8 bytes, every byte outside a small safe set percent-encoded, so
 * a path may hold spaces, newlines or any byte but NUL; `-` is NULL.
 */
import { LIBVIRT_ERROR_CODES, LockError, type LockErrorCode, type LockErrorData }
  from '../../contract/errors.ts';
import { ParamType, type ParamTypeValue } from '../../contract/flags.ts';
import type { DomainParams } from '../../contract/params.ts';
import type { ResourceSpec } from '../../contract/resources.ts';

const SAFE = /^[A-Za-z0-9/._~:,=+@-]$/;

/** A string token (`s…`), or `-` for null. */
export function encodeString(text: string | null): string {
  if (text === null) return '-';
  if (text.includes('\0')) throw new LockError({ code: 'INVALID_ARG',
    message: 'a string for libvirt cannot contain NUL', operation: 'encode' });
  let out = 's';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.test(char) ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of {@link encodeString}. */
export function decodeString(token: string): string | null {
  if (token === '-') return null;
  if (!token.startsWith('s')) throw protocolError(`not a string token: '${token.slice(0, 40)}'`);
  const bytes: number[] = [];
  for (let i = 1; i < token.length; i++) {
    if (token[i] !== '%') {
      bytes.push(token.charCodeAt(i));
      continue;
    }
    const byte = Number.parseInt(token.slice(i + 1, i + 3), 16);
    if (!/^[0-9A-Fa-f]{2}$/.test(token.slice(i + 1, i + 3))) {
      throw protocolError(`bad escape in '${token.slice(0, 40)}'`);
    }
    bytes.push(byte);
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** One `virLockManagerParam`. */
export interface WireParam {
  readonly key: string;
  readonly type: ParamTypeValue;
  readonly value: string | number;
}

/** `N` then N × `sKEY TYPE VALUE`. */
export function encodeParams(params: readonly WireParam[]): string {
  const parts = [String(params.length)];
  for (const param of params) {
    const text = param.type === ParamType.STRING || param.type === ParamType.CSTRING ||
      param.type === ParamType.UUID;
    parts.push(encodeString(param.key), String(param.type),
      text ? encodeString(String(param.value)) : String(Math.trunc(Number(param.value))));
  }
  return parts.join(' ');
}

/**
 * The parameters `domain_lock.c` passes to New: uuid, name, id, pid (UINT) and uri (CSTRING),
 * each only when known.
 */
export function domainParams(params: DomainParams): WireParam[] {
  const out: WireParam[] = [];
  if (params.uuid !== undefined) out.push({ key: 'uuid', type: ParamType.UUID, value: params.uuid });
  if (params.name !== undefined) out.push({ key: 'name', type: ParamType.STRING, value: params.name });
  if (params.id !== undefined) out.push({ key: 'id', type: ParamType.UINT, value: params.id });
  if (params.pid !== undefined) out.push({ key: 'pid', type: ParamType.UINT, value: params.pid });
  if (params.uri !== undefined) out.push({ key: 'uri', type: ParamType.CSTRING, value: params.uri });
  return out;
}

/** One resource as AddResource takes it: type, flags, name and (for a lease) its params. */
export interface WireResource {
  readonly type: number;
  readonly flags: number;
  readonly name: string;
  readonly params: readonly WireParam[];
}

/** A validated resource as `domain_lock.c` adds it (lease params: path, offset, lockspace). */
export function wireResource(resource: ResourceSpec): WireResource {
  const flags = resource.mode === 'readonly' ? 1 : resource.mode === 'shared' ? 2 : 0;
  if (resource.kind === 'disk') return { type: 0, flags, name: resource.name, params: [] };
  const lease = resource.lease;
  const params: WireParam[] = lease ? [
    { key: 'path', type: ParamType.STRING, value: lease.path },
    { key: 'offset', type: ParamType.ULONG, value: lease.offset },
    ...(lease.lockspace === undefined ? []
      : [{ key: 'lockspace', type: ParamType.STRING, value: lease.lockspace }]),
  ] : [];
  return { type: 1, flags, name: resource.name, params };
}

/** `N` then N × `TYPE FLAGS sNAME params`. */
export function encodeResources(resources: readonly WireResource[]): string {
  const parts = [String(resources.length)];
  for (const resource of resources) {
    parts.push(String(resource.type), String(resource.flags), encodeString(resource.name),
      encodeParams(resource.params));
  }
  return parts.join(' ');
}

/** libvirt's own error, as the helper forwards it from virGetLastError. */
export interface LibvirtErrorFields {
  /** Which call failed: new, add, acquire, release, inquire, plugin, spawn, vm, proto … */
  readonly stage: string;
  /** `virErrorNumber` (87 busy, 1 internal, 29 denied, 38 system, 55 invalid …). */
  readonly libvirtCode: number;
  /** `virErrorDomain` (51 LOCKSPACE, 42 LOCKING, 7 RPC …; 0 from the helper itself). */
  readonly domain: number;
  readonly level: number;
}

/** A LockError raised by libvirt's code, with libvirt's error fields kept. */
export class LibvirtError extends LockError {
  constructor(data: LockErrorData, readonly libvirt: LibvirtErrorFields) {
    super(data);
  }
}

const CODE_NAMES = new Map<number, LockErrorCode>(
  Object.entries(LIBVIRT_ERROR_CODES).map(([name, code]) => [code, name as LockErrorCode]));

function protocolError(message: string): LockError {
  return new LockError({ code: 'RPC', message: `libvirt helper: ${message}`,
    operation: 'decode', driver: 'libvirt' });
}

/** A decoded reply: the tokens after `ok`, or the error. */
export type HelperReply =
  | { readonly ok: true; readonly fields: readonly string[] }
  | { readonly ok: false; readonly error: LibvirtError };

/** Decodes the part of a reply line after its id: `ok …` or `err STAGE CODE DOMAIN LEVEL INT1 sMSG`. */
export function decodeReply(tokens: readonly string[]): HelperReply {
  if (tokens[0] === 'ok') return { ok: true, fields: tokens.slice(1) };
  if (tokens[0] !== 'err' || tokens.length !== 7) {
    throw protocolError(`malformed reply '${tokens.join(' ').slice(0, 120)}'`);
  }
  const [, stage, code, domain, level, int1, message] = tokens as [string, string, string,
    string, string, string, string];
  const number = Number(code);
  const errno = Number(int1);
  const named = CODE_NAMES.get(number) ?? 'INTERNAL_ERROR';
  const data: { -readonly [K in keyof LockErrorData]: LockErrorData[K] } = {
    code: named,
    message: decodeString(message) ?? `libvirt error ${number}`,
    operation: stage,
    driver: 'libvirt',
  };
  if (named === 'SYSTEM_ERROR' && Number.isInteger(errno) && errno > 0) data.errno = errno;
  return { ok: false, error: new LibvirtError(data, { stage, libvirtCode: number,
    domain: Number(domain), level: Number(level) }) };
}
