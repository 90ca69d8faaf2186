/**
 * virtlockd's wire protocol (`lock_protocol.x` over libvirt's `virnetprotocol.x` framing), pure:
 * messages in, bytes out and back, no sockets (reference `virtlockd-protocol.md` §2–§3).
 *
 * A message is `u32 length` (counting itself) + a 24-byte header (program 0x0EA7BEEF, version
 * 1, procedure, type, serial, status) + an XDR payload. Every decoding problem, whatever the
 * input, is a LockError with code RPC; nothing here allocates more than the bytes it is given.
 */
import { lockError } from '../../contract/errors.ts';
import { XdrReader, XdrWriter } from './xdr.ts';

/** `VIR_LOCK_SPACE_PROTOCOL_PROGRAM`. */
export const LOCKD_PROGRAM = 0x0ea7beef;
/** `VIR_LOCK_SPACE_PROTOCOL_PROGRAM_VERSION`. */
export const LOCKD_PROTOCOL_VERSION = 1;
/** The length word. */
export const LENGTH_BYTES = 4;
/** The length word plus the header: the smallest message, and every successful reply. */
export const MIN_MESSAGE_BYTES = 28;
/** `VIR_NET_MESSAGE_MAX` (16 MiB) plus the length word: virtlockd drops longer messages. */
export const MAX_MESSAGE_BYTES = LENGTH_BYTES + 16 * 1024 * 1024;
/** `VIR_LOCK_SPACE_PROTOCOL_STRING_MAX`: the bound on every string argument. */
export const STRING_MAX = 65536;

/** The eight lockspace procedures (`virLockSpaceProtocolProcedure`). */
export const Procedure = {
  REGISTER: 1,
  RESTRICT: 2,
  NEW: 3,
  CREATE_RESOURCE: 4,
  DELETE_RESOURCE: 5,
  ACQUIRE_RESOURCE: 6,
  RELEASE_RESOURCE: 7,
  CREATE_LOCKSPACE: 8,
} as const;
/** A procedure's name, e.g. `ACQUIRE_RESOURCE`. */
export type ProcedureName = keyof typeof Procedure;
/** A procedure's number, 1..8. */
export type ProcedureNumber = (typeof Procedure)[ProcedureName];

const PROCEDURE_NAMES = new Map<number, ProcedureName>(
  Object.entries(Procedure).map(([name, number]) => [number, name as ProcedureName]));

/** The procedure's name for messages, or `procedure N` for an unknown number. */
export function procedureName(procedure: number): string {
  return PROCEDURE_NAMES.get(procedure) ?? `procedure ${procedure}`;
}

/** `virNetMessageType`: only CALL and REPLY occur in this protocol. */
export const MessageType = { CALL: 0, REPLY: 1 } as const;
/** `virNetMessageStatus`. */
export const MessageStatus = { OK: 0, ERROR: 1 } as const;
/** `virLockSpaceProtocolAcquireResourceFlags`. */
export const AcquireResourceFlags = { SHARED: 1, AUTOCREATE: 2 } as const;

/** The 24 bytes after the length word. */
export interface MessageHeader {
  readonly program: number;
  readonly version: number;
  readonly procedure: number;
  readonly type: number;
  readonly serial: number;
  readonly status: number;
}

/** `virLockSpaceProtocolOwner`: who the locks of a connection belong to. */
export interface LockOwner {
  /** Canonical lower-case UUID text; sent as 16 raw bytes. */
  readonly uuid: string;
  readonly name: string;
  /** Must be non-zero, or virtlockd treats the connection as unregistered. */
  readonly id: number;
  /** The owner pid: virtlockd never validates it, and kills it if its own connection closes. */
  readonly pid: number;
}

/** One decoded call: the procedure with its arguments. */
export type ProcedureCall =
  | { readonly procedure: 'REGISTER'; readonly owner: LockOwner; readonly flags: number }
  | { readonly procedure: 'RESTRICT'; readonly flags: number }
  | { readonly procedure: 'NEW'; readonly path: string; readonly flags: number }
  | {
      readonly procedure: 'CREATE_RESOURCE' | 'DELETE_RESOURCE' | 'ACQUIRE_RESOURCE' |
        'RELEASE_RESOURCE';
      readonly path: string;
      readonly name: string;
      readonly flags: number;
    }
  | { readonly procedure: 'CREATE_LOCKSPACE'; readonly path: string };

/** The error every malformed input becomes: RPC, operation `decode`. */
export function rpcError(message: string) {
  return lockError('RPC', message, { operation: 'decode' });
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID's 16 raw bytes (`opaque uuid[16]`).
 * @throws INVALID_ARG for text that is not a UUID.
 */
export function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_TEXT.test(uuid)) {
    throw lockError('INVALID_ARG', `not a UUID: '${uuid}'`, { operation: 'encode' });
  }
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

/** The canonical text of 16 raw UUID bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-` +
    hex.slice(20);
}

/** The XDR arguments of a call. */
export function encodeArgs(call: ProcedureCall, writer = new XdrWriter()): XdrWriter {
  switch (call.procedure) {
    case 'REGISTER':
      return writer.fixedOpaque(uuidToBytes(call.owner.uuid)).string(call.owner.name, STRING_MAX)
        .u32(call.owner.id).u32(call.owner.pid).u32(call.flags);
    case 'RESTRICT':
      return writer.u32(call.flags);
    case 'NEW':
      return writer.string(call.path, STRING_MAX).u32(call.flags);
    case 'CREATE_LOCKSPACE':
      return writer.string(call.path, STRING_MAX);
    default:
      return writer.string(call.path, STRING_MAX).string(call.name, STRING_MAX).u32(call.flags);
  }
}

/** Decodes the arguments of `procedure` strictly: truncated or trailing bytes are RPC errors. */
export function decodeArgs(procedure: number, payload: Uint8Array): ProcedureCall {
  const name = PROCEDURE_NAMES.get(procedure);
  if (name === undefined) throw rpcError(`unknown procedure: ${procedure}`);
  const reader = new XdrReader(payload, `${name} arguments`);
  let call: ProcedureCall;
  if (name === 'REGISTER') {
    const uuid = uuidFromBytes(reader.fixedOpaque('uuid', 16));
    const owner = { uuid, name: reader.string('name', STRING_MAX), id: reader.u32('id'),
      pid: reader.u32('pid') };
    call = { procedure: name, owner, flags: reader.u32('flags') };
  } else if (name === 'RESTRICT') {
    call = { procedure: name, flags: reader.u32('flags') };
  } else if (name === 'NEW') {
    call = { procedure: name, path: reader.string('path', STRING_MAX), flags: reader.u32('flags') };
  } else if (name === 'CREATE_LOCKSPACE') {
    call = { procedure: name, path: reader.string('path', STRING_MAX) };
  } else {
    call = { procedure: name, path: reader.string('path', STRING_MAX),
      name: reader.string('name', STRING_MAX), flags: reader.u32('flags') };
  }
  reader.end();
  return call;
}

/** A whole message: length word, header, payload. */
export function encodeMessage(header: MessageHeader, payload: Uint8Array = new Uint8Array(0)):
  Buffer {
  const length = MIN_MESSAGE_BYTES + payload.length;
  if (length > MAX_MESSAGE_BYTES) {
    throw lockError('INVALID_ARG', `message of ${length} bytes exceeds ${MAX_MESSAGE_BYTES}`,
      { operation: 'encode' });
  }
  const frame = Buffer.allocUnsafe(length);
  frame.writeUInt32BE(length, 0);
  frame.writeUInt32BE(header.program >>> 0, 4);
  frame.writeUInt32BE(header.version >>> 0, 8);
  frame.writeInt32BE(header.procedure | 0, 12);
  frame.writeInt32BE(header.type | 0, 16);
  frame.writeUInt32BE(header.serial >>> 0, 20);
  frame.writeInt32BE(header.status | 0, 24);
  frame.set(payload, MIN_MESSAGE_BYTES);
  return frame;
}

/** A CALL message for `call` with `serial`. */
export function encodeCall(serial: number, call: ProcedureCall): Buffer {
  // One buffer, header first, length patched at the end: this is the client's hot path.
  const writer = new XdrWriter(96).u32(0).u32(LOCKD_PROGRAM).u32(LOCKD_PROTOCOL_VERSION)
    .i32(Procedure[call.procedure]).i32(MessageType.CALL).u32(serial).i32(MessageStatus.OK);
  const frame = encodeArgs(call, writer).bytes();
  frame.writeUInt32BE(frame.length, 0);
  return frame;
}

/**
 * Splits one complete frame (as the frame reader yields it) into header and payload, checking
 * the length word, program and version. Type and status are checked by the caller, which knows
 * which direction it expects.
 */
export function decodeFrame(frame: Uint8Array): { header: MessageHeader; payload: Uint8Array } {
  if (frame.length < MIN_MESSAGE_BYTES) {
    throw rpcError(`message of ${frame.length} bytes is shorter than the ` +
      `${MIN_MESSAGE_BYTES}-byte header`);
  }
  const reader = new XdrReader(frame, 'message header');
  const length = reader.u32('length');
  if (length !== frame.length) {
    throw rpcError(`length word says ${length} bytes but the message has ${frame.length}`);
  }
  const header: MessageHeader = {
    program: reader.u32('program'),
    version: reader.u32('version'),
    procedure: reader.i32('procedure'),
    type: reader.i32('type'),
    serial: reader.u32('serial'),
    status: reader.i32('status'),
  };
  if (header.program !== LOCKD_PROGRAM || header.version !== LOCKD_PROTOCOL_VERSION) {
    throw rpcError(`unknown program 0x${header.program.toString(16)} version ${header.version} ` +
      `(expected 0x${LOCKD_PROGRAM.toString(16)} version ${LOCKD_PROTOCOL_VERSION})`);
  }
  return { header, payload: frame.subarray(MIN_MESSAGE_BYTES) };
}

/** Decodes a CALL (what virtlockd receives): used by tests, fuzzing and fake servers. */
export function decodeCall(frame: Uint8Array): { serial: number; call: ProcedureCall } {
  const { header, payload } = decodeFrame(frame);
  if (header.type !== MessageType.CALL) {
    throw rpcError(`expected a CALL message, got type ${header.type}`);
  }
  if (header.status !== MessageStatus.OK) {
    throw rpcError(`Unexpected message status ${header.status}`);
  }
  return { serial: header.serial, call: decodeArgs(header.procedure, payload) };
}
