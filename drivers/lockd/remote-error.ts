/**
 * virtlockd's error replies: the `virNetMessageError` structure (reference §2), its XDR codec,
 * and its mapping onto LockError. The daemon's code, domain and message travel with the error
 * ({@link LockdRemoteError.remote}), so callers can tell "is locked" from "is not locked" and
 * read the errno behind a SYSTEM_ERROR.
 */
import {
  LIBVIRT_ERROR_CODES,
  LockError,
  type LockErrorCode,
  type LockErrorData,
} from '../../contract/errors.ts';
import {
  decodeFrame,
  MessageStatus,
  MessageType,
  rpcError,
  uuidFromBytes,
  uuidToBytes,
  type MessageHeader,
} from './protocol.ts';
import { XdrReader, XdrWriter } from './xdr.ts';

/** `VIR_NET_MESSAGE_STRING_MAX`: the bound on strings inside an error. */
export const ERROR_STRING_MAX = 4 * 1024 * 1024;

/** `virNetMessageError`, as sent by the daemon. */
export interface RemoteError {
  /** libvirt's `virErrorNumber`: 87 busy, 1 internal (not owner), 55, 29, 38, 8, 39 … */
  readonly code: number;
  /** libvirt's `virErrorDomain`: 51 LOCKSPACE, 7 RPC … */
  readonly domain: number;
  readonly message: string | null;
  readonly level: number;
  readonly dom: { readonly name: string; readonly uuid: string; readonly id: number } | null;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  /** The errno for SYSTEM_ERROR, else -1. */
  readonly int1: number;
  readonly int2: number;
  readonly net: { readonly name: string; readonly uuid: string } | null;
}

/** A LockError reported by virtlockd itself, carrying the daemon's own error. */
export class LockdRemoteError extends LockError {
  constructor(data: LockErrorData, readonly remote: RemoteError) {
    super(data);
  }
}

const CODE_NAMES = new Map<number, LockErrorCode>(
  Object.entries(LIBVIRT_ERROR_CODES).map(([name, code]) => [code, name as LockErrorCode]));

/** Maps the daemon's error onto our codes; codes we do not know become INTERNAL_ERROR. */
export function toLockError(
  remote: RemoteError,
  context: Omit<LockErrorData, 'code' | 'message' | 'errno'> = {},
): LockdRemoteError {
  const code = CODE_NAMES.get(remote.code) ?? 'INTERNAL_ERROR';
  const message = remote.message ?? `virtlockd error ${remote.code} (domain ${remote.domain})`;
  const data: { -readonly [K in keyof LockErrorData]: LockErrorData[K] } =
    { code, message, ...context };
  if (code === 'SYSTEM_ERROR' && remote.int1 > 0) data.errno = remote.int1;
  return new LockdRemoteError(data, remote);
}

/** The same daemon error seen from a caller higher up (driver call, resource). */
export function withContext(
  error: LockdRemoteError,
  context: Omit<LockErrorData, 'code' | 'message' | 'errno'>,
): LockdRemoteError {
  return new LockdRemoteError({ ...error.toJSON(), ...context }, error.remote);
}

/** Decodes an ERROR reply's payload strictly (RPC error for anything malformed). */
export function decodeRemoteError(payload: Uint8Array): RemoteError {
  const reader = new XdrReader(payload, 'error reply');
  const text = (field: string) => reader.optional(field, (r) => r.string(field, ERROR_STRING_MAX));
  const error: RemoteError = {
    code: reader.i32('code'),
    domain: reader.i32('domain'),
    message: text('message'),
    level: reader.i32('level'),
    dom: reader.optional('dom', (r) => ({
      name: r.string('dom.name', ERROR_STRING_MAX),
      uuid: uuidFromBytes(r.fixedOpaque('dom.uuid', 16)),
      id: r.i32('dom.id'),
    })),
    str1: text('str1'),
    str2: text('str2'),
    str3: text('str3'),
    int1: reader.i32('int1'),
    int2: reader.i32('int2'),
    net: reader.optional('net', (r) => ({
      name: r.string('net.name', ERROR_STRING_MAX),
      uuid: uuidFromBytes(r.fixedOpaque('net.uuid', 16)),
    })),
  };
  reader.end();
  return error;
}

/** Encodes the structure as virtlockd does (tests, fuzzing, fake servers). */
export function encodeRemoteError(error: RemoteError): Buffer {
  const writer = new XdrWriter();
  const text = (value: string | null) =>
    writer.optional(value, (w, v) => w.string(v, ERROR_STRING_MAX));
  writer.i32(error.code).i32(error.domain);
  text(error.message);
  writer.i32(error.level);
  writer.optional(error.dom, (w, dom) =>
    w.string(dom.name, ERROR_STRING_MAX).fixedOpaque(uuidToBytes(dom.uuid)).i32(dom.id));
  text(error.str1);
  text(error.str2);
  text(error.str3);
  writer.i32(error.int1).i32(error.int2);
  writer.optional(error.net, (w, net) =>
    w.string(net.name, ERROR_STRING_MAX).fixedOpaque(uuidToBytes(net.uuid)));
  return Buffer.from(writer.bytes());
}

/** A decoded REPLY: every lock procedure returns void, so OK carries nothing. */
export type Reply =
  | { readonly header: MessageHeader; readonly ok: true }
  | { readonly header: MessageHeader; readonly ok: false; readonly error: RemoteError };

/** Decodes a REPLY frame; anything that is not a well-formed reply is an RPC error. */
export function decodeReply(frame: Uint8Array): Reply {
  const { header, payload } = decodeFrame(frame);
  if (header.type !== MessageType.REPLY) {
    throw rpcError(`expected a REPLY message, got type ${header.type} (serial ${header.serial})`);
  }
  if (header.status === MessageStatus.OK) {
    if (payload.length !== 0) {
      throw rpcError(`successful reply (serial ${header.serial}) carries ${payload.length} ` +
        'unexpected byte(s): every lock procedure returns void');
    }
    return { header, ok: true };
  }
  if (header.status === MessageStatus.ERROR) {
    return { header, ok: false, error: decodeRemoteError(payload) };
  }
  throw rpcError(`reply (serial ${header.serial}) has unknown status ${header.status}`);
}
