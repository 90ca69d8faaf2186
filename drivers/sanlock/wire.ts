/**
 * The sanlock daemon's client protocol (sanlock 3.8.5, `sanlock_sock.h`, `sanlock.h`): a 32-byte
 * header, then fixed-size C structs, all little-endian (host order on x86_64). Pure encoders and
 * decoders; `test/sanlock/wire.test.ts` checks every request byte for byte against what
 * libsanlock itself sends (captured with strace, `test/fixtures/sanlock/`).
 *
 * Replies echo the request header with `data` = the result (0 or a negative code). INQUIRE adds a
 * NUL-terminated state string after the header and puts the lease count in `data2`; VERSION puts
 * the daemon's version in `data2`. REGISTER has no reply at all.
 */
import { lockError, type LockError } from '../../contract/errors.ts';

export const SM_MAGIC = 0x04282010;
export const SM_PROTO = 1;
export const HEADER_BYTES = 32;
/** `SANLK_NAME_LEN`: lockspace, resource and owner names, NUL included. */
export const NAME_LEN = 48;
/** `SANLK_PATH_LEN`: lease paths, NUL included. */
export const PATH_LEN = 1024;
export const DISK_BYTES = 1040;
export const RESOURCE_BYTES = 128;
export const OPTIONS_BYTES = 56;
export const LOCKSPACE_BYTES = 1104;
/** `SANLK_HELPER_PATH_LEN`, `SANLK_HELPER_ARGS_LEN`: the killpath program and its arguments. */
export const HELPER_PATH_LEN = 128;
export const HELPER_ARGS_LEN = 128;
/** `SANLK_MAX_RESOURCES`: leases per acquire (and per registered client). */
export const MAX_RESOURCES = 8;
/** `SANLK_MAX_DISKS`: disks per resource. */
export const MAX_DISKS = 4;
/** The daemon's `MAX_CLIENT_MSG`: no reply we accept is longer. */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** `SM_CMD_*`: the commands lockchart sends. */
export const Command = {
  REGISTER: 1,
  ADD_LOCKSPACE: 2,
  REM_LOCKSPACE: 3,
  SHUTDOWN: 4,
  ACQUIRE: 7,
  RELEASE: 8,
  INQUIRE: 9,
  RESTRICT: 10,
  ALIGN: 12,
  INQ_LOCKSPACE: 16,
  KILLPATH: 17,
  WRITE_LOCKSPACE: 18,
  WRITE_RESOURCE: 19,
  VERSION: 28,
} as const;
export type CommandName = keyof typeof Command;
export type CommandCode = (typeof Command)[CommandName];

const COMMAND_NAMES = new Map<number, CommandName>(
  Object.entries(Command).map(([name, code]) => [code, name as CommandName]));

export function commandName(code: number): string {
  return COMMAND_NAMES.get(code) ?? `command ${code}`;
}

/** `SANLK_RES_*`: resource flags. */
export const ResourceFlag = { LVER: 0x1, NUM_HOSTS: 0x2, SHARED: 0x4, PERSISTENT: 0x8 } as const;
/** `SANLK_ACQUIRE_*`. */
export const AcquireFlag = { LVB: 0x1, ORPHAN: 0x2, ORPHAN_ONLY: 0x4, OWNER_NOWAIT: 0x8 } as const;
/** `SANLK_REL_*`. */
export const ReleaseFlag = { ALL: 0x1 } as const;
/** `SANLK_RESTRICT_*`: ALL refuses every later command on the connection. */
export const RestrictFlag = { ALL: 0x1, SIGKILL: 0x2, SIGTERM: 0x4 } as const;
/** `SANLK_KILLPATH_PID`: append the pid to the killpath arguments. */
export const KillpathFlag = { PID: 0x1 } as const;
/** `SANLK_ADD_ASYNC`, `SANLK_REM_ASYNC`, `SANLK_REM_UNUSED`, `SANLK_INQ_WAIT`. */
export const LockspaceFlag = {
  ADD_ASYNC: 0x1, REM_ASYNC: 0x1, REM_UNUSED: 0x2, INQ_WAIT: 0x1,
} as const;

/** `data2` for "this connection's own registered pid" (libsanlock passes -1). */
export const SELF = -1;

export interface SanlockDisk {
  readonly path: string;
  /** Byte offset of the lease area in `path`. */
  readonly offset: number;
}

/** `struct sanlk_resource` with its disks. */
export interface SanlockResource {
  readonly lockspace: string;
  readonly name: string;
  readonly disks: readonly SanlockDisk[];
  /** `ResourceFlag` bits. */
  readonly flags: number;
  /** The lease version, checked by the daemon when `flags` has LVER. */
  readonly lver: bigint;
}

/** `struct sanlk_lockspace`. */
export interface SanlockLockspace {
  readonly name: string;
  readonly hostId: number;
  readonly flags: number;
  readonly disk: SanlockDisk;
}

/** The header fields a request sets (`magic`, `version`, `length` are derived). */
export interface RequestHeader {
  readonly cmd: CommandCode;
  readonly flags: number;
  readonly data: number;
  readonly data2: number;
}

/** A decoded reply header. */
export interface ReplyHeader {
  readonly cmd: number;
  readonly flags: number;
  readonly length: number;
  /** `data` as a signed result: 0 or a negative errno / SANLK_* code (ALIGN: the alignment). */
  readonly result: number;
  readonly data2: number;
}

export function rpcError(message: string): LockError {
  return lockError('RPC', `malformed sanlock reply: ${message}`, { operation: 'read' });
}

function invalid(message: string): LockError {
  return lockError('INVALID_ARG', message, { operation: 'encode' });
}

/** A NUL-padded C string of `size` bytes; the value must leave room for the NUL. */
export function fixedString(value: string, size: number, field: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.includes(0)) throw invalid(`${field} '${value}' contains a NUL byte`);
  if (bytes.length >= size) {
    throw invalid(`${field} '${value}' exceeds ${size - 1} bytes`);
  }
  const out = Buffer.alloc(size);
  bytes.copy(out);
  return out;
}

function u64(value: number | bigint, field: string): bigint {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  if ((typeof value === 'number' && !Number.isSafeInteger(value)) || big < 0n ||
    big > 0xffff_ffff_ffff_ffffn) {
    throw invalid(`${field} ${String(value)} is not an unsigned 64-bit integer`);
  }
  return big;
}

export function encodeHeader(header: RequestHeader, payloadBytes: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt32LE(SM_MAGIC, 0);
  out.writeUInt32LE(SM_PROTO, 4);
  out.writeUInt32LE(header.cmd, 8);
  out.writeUInt32LE(header.flags >>> 0, 12);
  out.writeUInt32LE(HEADER_BYTES + payloadBytes, 16);
  out.writeUInt32LE(0, 20);
  out.writeUInt32LE(header.data >>> 0, 24);
  out.writeUInt32LE(header.data2 >>> 0, 28);
  return out;
}

export function encodeDisk(disk: SanlockDisk): Buffer {
  const out = Buffer.alloc(DISK_BYTES);
  fixedString(disk.path, PATH_LEN, 'lease path').copy(out, 0);
  out.writeBigUInt64LE(u64(disk.offset, 'lease offset'), 1024);
  return out;
}

/** The 128-byte resource struct; with its disks unless `withDisks` is false (RELEASE). */
export function encodeResource(resource: SanlockResource, withDisks = true): Buffer {
  if (resource.disks.length === 0 || resource.disks.length > MAX_DISKS) {
    throw invalid(`resource '${resource.name}' has ${resource.disks.length} disks ` +
      `(1..${MAX_DISKS} allowed)`);
  }
  const head = Buffer.alloc(RESOURCE_BYTES);
  fixedString(resource.lockspace, NAME_LEN, 'lockspace name').copy(head, 0);
  fixedString(resource.name, NAME_LEN, 'resource name').copy(head, 48);
  head.writeBigUInt64LE(u64(resource.lver, 'lease version'), 96);
  head.writeUInt32LE(resource.flags >>> 0, 120);
  head.writeUInt32LE(resource.disks.length, 124);
  return withDisks ? Buffer.concat([head, ...resource.disks.map(encodeDisk)]) : head;
}

export function encodeLockspace(lockspace: SanlockLockspace): Buffer {
  const out = Buffer.alloc(LOCKSPACE_BYTES);
  fixedString(lockspace.name, NAME_LEN, 'lockspace name').copy(out, 0);
  out.writeBigUInt64LE(u64(lockspace.hostId, 'host_id'), 48);
  out.writeUInt32LE(lockspace.flags >>> 0, 56);
  encodeDisk(lockspace.disk).copy(out, 64);
  return out;
}

/** `struct sanlk_options` with no extra string: the owner name only (libvirt: the VM name). */
export function encodeOptions(ownerName: string): Buffer {
  const out = Buffer.alloc(OPTIONS_BYTES);
  // libvirt copies at most SANLK_NAME_LEN - 1 bytes of the VM name: sanlock only logs it.
  fixedString(truncateUtf8(ownerName, NAME_LEN - 1), NAME_LEN, 'owner name').copy(out, 0);
  return out;
}

function truncateUtf8(value: string, bytes: number): string {
  let out = value;
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  return out;
}

function checkCount(resources: readonly SanlockResource[]): void {
  if (resources.length > MAX_RESOURCES) {
    throw invalid(`${resources.length} leases in one call (sanlock allows ${MAX_RESOURCES})`);
  }
}

/** One whole request: header plus payload. */
function request(header: RequestHeader, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([encodeHeader(header, body.length), body]);
}

/** The target of a lease command: this connection's own registration, or another pid. */
export type Target = { readonly self: true } | { readonly pid: number };

function targetData2(target: Target): number {
  if ('self' in target) return SELF;
  if (!Number.isInteger(target.pid) || target.pid <= 0 || target.pid > 0x7fffffff) {
    throw invalid(`pid ${target.pid} is not a process id`);
  }
  return target.pid;
}

/** Every request lockchart sends, as bytes (pure). */
export const Requests = {
  register: (): Buffer => request({ cmd: Command.REGISTER, flags: 0, data: 0, data2: 0 }),
  version: (): Buffer => request({ cmd: Command.VERSION, flags: 0, data: 0, data2: 0 }),
  acquire(resources: readonly SanlockResource[], target: Target, ownerName: string,
    flags = 0): Buffer {
    checkCount(resources);
    return request({ cmd: Command.ACQUIRE, flags, data: resources.length,
      data2: targetData2(target) }, ...resources.map((r) => encodeResource(r)),
    encodeOptions(ownerName));
  },
  release(resources: readonly SanlockResource[], target: Target, flags = 0): Buffer {
    checkCount(resources);
    return request({ cmd: Command.RELEASE, flags, data: resources.length,
      data2: targetData2(target) }, ...resources.map((r) => encodeResource(r, false)));
  },
  inquire: (target: Target): Buffer =>
    request({ cmd: Command.INQUIRE, flags: 0, data: 0, data2: targetData2(target) }),
  restrict: (flags: number): Buffer =>
    request({ cmd: Command.RESTRICT, flags, data: 0, data2: SELF }),
  killpath: (path: string, args: string, flags = 0): Buffer =>
    request({ cmd: Command.KILLPATH, flags, data: 0, data2: SELF },
      fixedString(path, HELPER_PATH_LEN, 'killpath program'),
      fixedString(args, HELPER_ARGS_LEN, 'killpath arguments')),
  addLockspace: (lockspace: SanlockLockspace, ioTimeoutS = 0, flags = 0): Buffer =>
    request({ cmd: Command.ADD_LOCKSPACE, flags, data: ioTimeoutS, data2: 0 },
      encodeLockspace(lockspace)),
  remLockspace: (lockspace: SanlockLockspace, flags = 0): Buffer =>
    request({ cmd: Command.REM_LOCKSPACE, flags, data: 0, data2: 0 },
      encodeLockspace(lockspace)),
  inqLockspace: (lockspace: SanlockLockspace, flags = 0): Buffer =>
    request({ cmd: Command.INQ_LOCKSPACE, flags, data: 0, data2: 0 },
      encodeLockspace(lockspace)),
  /** `sanlock_write_lockspace(ls, max_hosts, flags, io_timeout)`: formats the delta leases. */
  writeLockspace: (lockspace: SanlockLockspace, ioTimeoutS = 0, maxHosts = 0, flags = 0): Buffer =>
    request({ cmd: Command.WRITE_LOCKSPACE, flags, data: maxHosts, data2: ioTimeoutS },
      encodeLockspace(lockspace)),
  /** `sanlock_init(NULL, res, max_hosts, num_hosts)` = WRITE_RESOURCE: formats a paxos lease. */
  writeResource: (resource: SanlockResource, maxHosts = 0, numHosts = 0, flags = 0): Buffer =>
    request({ cmd: Command.WRITE_RESOURCE, flags, data: numHosts, data2: maxHosts },
      encodeResource(resource)),
  align: (disk: SanlockDisk): Buffer =>
    request({ cmd: Command.ALIGN, flags: 0, data: 0, data2: 0 }, encodeDisk(disk)),
} as const;

/**
 * Checks the first 32 bytes of a reply and returns its header.
 * @throws RPC for a wrong magic or a length outside 32..MAX_REPLY_BYTES.
 */
export function decodeReplyHeader(bytes: Uint8Array): ReplyHeader {
  if (bytes.length < HEADER_BYTES) throw rpcError(`header of ${bytes.length} bytes`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const magic = view.readUInt32LE(0);
  if (magic !== SM_MAGIC) {
    throw rpcError(`magic 0x${magic.toString(16)} (expected 0x${SM_MAGIC.toString(16)})`);
  }
  const length = view.readUInt32LE(16);
  if (length < HEADER_BYTES || length > MAX_REPLY_BYTES) {
    throw rpcError(`length ${length} (must be ${HEADER_BYTES}..${MAX_REPLY_BYTES} bytes)`);
  }
  return {
    cmd: view.readUInt32LE(8),
    flags: view.readUInt32LE(12),
    length,
    result: view.readInt32LE(24),
    data2: view.readInt32LE(28),
  };
}

/** A whole reply: the header and what follows it. */
export interface Reply {
  readonly header: ReplyHeader;
  readonly body: Buffer;
}

/**
 * Checks a whole reply against the command it answers: the command echoed, and the body that
 * command may carry (only INQUIRE has one: a NUL-terminated string).
 */
export function checkReply(reply: Reply, sent: CommandCode): Reply {
  const { header, body } = reply;
  if (header.cmd !== sent) {
    throw rpcError(`reply to ${commandName(header.cmd)} for a ${commandName(sent)} request`);
  }
  if (sent !== Command.INQUIRE && body.length !== 0) {
    throw rpcError(`${commandName(sent)} reply carries ${body.length} unexpected byte(s)`);
  }
  if (sent === Command.INQUIRE) decodeStateBody(body);
  return reply;
}

/** The state string of an INQUIRE reply ("" when the body is empty). */
export function decodeStateBody(body: Buffer): string {
  if (body.length === 0) return '';
  const nul = body.indexOf(0);
  if (nul !== body.length - 1) {
    throw rpcError(nul < 0 ? 'inquire state string is not NUL-terminated'
      : `inquire state string has ${body.length - 1 - nul} byte(s) after its NUL`);
  }
  return body.toString('utf8', 0, nul);
}
