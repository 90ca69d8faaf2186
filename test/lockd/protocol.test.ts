/**
 * The virtlockd wire codec, byte for byte against the captures in
 * `reference/virtlockd-protocol.md` §2, and every malformed input as a typed RPC error.
 */
import { describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import { FrameReader } from '../../drivers/lockd/frame-reader.ts';
import {
  decodeArgs,
  decodeCall,
  encodeCall,
  encodeMessage,
  LOCKD_PROGRAM,
  MAX_MESSAGE_BYTES,
  STRING_MAX,
  type MessageHeader,
  type ProcedureCall,
} from '../../drivers/lockd/protocol.ts';
import {
  decodeReply,
  encodeRemoteError,
  toLockError,
  type RemoteError,
} from '../../drivers/lockd/remote-error.ts';

const hex = (text: string) => Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');

const REGISTER_CAPTURE = hex(`
  00 00 00 40 0e a7 be ef 00 00 00 01 00 00 00 01
  00 00 00 00 00 00 00 00 00 00 00 00 00 11 22 33
  44 55 66 77 88 99 aa bb cc dd ee ff 00 00 00 03
  76 6d 31 00 00 00 00 01 00 00 10 92 00 00 00 00`);
const REGISTER_REPLY_CAPTURE = hex(`
  00 00 00 1c 0e a7 be ef 00 00 00 01 00 00 00 01
  00 00 00 01 00 00 00 00 00 00 00 00`);

const reply = (fields: Partial<MessageHeader>, payload?: Uint8Array) => encodeMessage({
  program: LOCKD_PROGRAM, version: 1, procedure: 6, type: 1, serial: 1, status: 0, ...fields,
}, payload);

function remoteError(fields: Partial<RemoteError>): RemoteError {
  return { code: 1, domain: 51, message: 'boom', level: 2, dom: null, str1: null, str2: null,
    str3: null, int1: -1, int2: -1, net: null, ...fields };
}

/** Runs `fn` and returns the LockError code it threw (fails if it threw anything else). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isLockError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('lockd protocol: framing and arguments', () => {
  it('encodes REGISTER exactly as the captured 64-byte request', () => {
    const frame = encodeCall(0, { procedure: 'REGISTER', flags: 0, owner: {
      uuid: '00112233-4455-6677-8899-aabbccddeeff', name: 'vm1', id: 1, pid: 4242 } });
    expect(frame.equals(REGISTER_CAPTURE)).toBe(true);
  });

  it('decodes the captured 28-byte REGISTER reply as OK for serial 0', () => {
    const decoded = decodeReply(REGISTER_REPLY_CAPTURE);
    expect(decoded.ok).toBe(true);
    expect(decoded.header).toMatchObject({ procedure: 1, type: 1, serial: 0, status: 0 });
  });

  it('lays out ACQUIRE_RESOURCE as the 68-byte capture (empty path, 27-byte name)', () => {
    const name = '/tmp/scratch/does-not-exist';
    expect(name).toHaveLength(27);
    const frame = encodeCall(1, { procedure: 'ACQUIRE_RESOURCE', path: '', name, flags: 0 });
    expect(frame).toHaveLength(68);
    expect(frame.subarray(0, 0x20).equals(hex(`00 00 00 44 0e a7 be ef 00 00 00 01 00 00 00 06
      00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00`))).toBe(true);
    expect(frame.readUInt32BE(0x20)).toBe(27);
    expect(frame.subarray(0x24, 0x24 + 27).toString()).toBe(name);
    expect(frame.readUInt32BE(0x40)).toBe(0);
  });

  const calls: ProcedureCall[] = [
    { procedure: 'REGISTER', flags: 0, owner: { uuid: '00000000-0000-4000-8000-00000000002a',
      name: 'vm-é', id: 42, pid: 4_294_967_295 } },
    { procedure: 'RESTRICT', flags: 0 },
    { procedure: 'NEW', path: '/var/lib/libvirt/lockd/files', flags: 0 },
    { procedure: 'CREATE_RESOURCE', path: '/ls', name: 'abc', flags: 0 },
    { procedure: 'DELETE_RESOURCE', path: '/ls', name: 'abcd', flags: 0 },
    { procedure: 'ACQUIRE_RESOURCE', path: '', name: '/images/a.img', flags: 3 },
    { procedure: 'RELEASE_RESOURCE', path: '', name: '/images/a.img', flags: 0 },
    { procedure: 'CREATE_LOCKSPACE', path: '/var/lib/libvirt/lockd/files' },
  ];
  it.each(calls)('round-trips $procedure', (call) => {
    expect(decodeCall(encodeCall(7, call))).toEqual({ serial: 7, call });
  });

  it('refuses to encode a string longer than 65536 bytes (INVALID_ARG)', () => {
    const name = 'x'.repeat(STRING_MAX + 1);
    expect(codeOf(() => encodeCall(0, { procedure: 'CREATE_LOCKSPACE', path: name })))
      .toBe('INVALID_ARG');
    const longest = 'x'.repeat(STRING_MAX);
    expect(codeOf(() => encodeCall(0, { procedure: 'CREATE_LOCKSPACE', path: longest })))
      .toBe('no error');
  });

  it.each([
    ['a string claiming more than 65536 bytes', 3, hex('00 01 00 01 61 62 63 64 00 00 00 00')],
    ['a truncated flags word', 3, hex('00 00 00 01 61 00 00 00 00 00')],
    ['a string cut short of its padding', 8, hex('00 00 00 05 61 62 63 64 65')],
    ['trailing bytes', 2, hex('00 00 00 00 00 00 00 00')],
    ['an unknown procedure', 9, new Uint8Array(0)],
    ['procedure 0', 0, new Uint8Array(0)],
  ])('decodes %s as an RPC error', (_what, procedure, payload) => {
    expect(codeOf(() => decodeArgs(procedure, payload))).toBe('RPC');
  });
});

describe('lockd protocol: replies and the error structure', () => {
  it('lays out a SYSTEM_ERROR reply like the captured 248-byte one', () => {
    const message = 'Unable to open resource /tmp/scratch-dirs/does-not-exist: ' +
      'No such file or dire';
    expect(Buffer.byteLength(message)).toBe(0x4e);
    const payload = encodeRemoteError(remoteError({ code: 38, domain: 51, message, str1: '%s',
      str2: message, int1: 2 }));
    const frame = reply({ status: 1 }, payload);
    expect(frame).toHaveLength(248);
    expect(frame.readInt32BE(0x1c)).toBe(38);
    expect(frame.readInt32BE(0x20)).toBe(51);
    expect(frame.readInt32BE(0x7c)).toBe(2);
    expect(frame.readInt32BE(0xec)).toBe(2);
    expect(frame.readInt32BE(0xf0)).toBe(-1);
    const decoded = decodeReply(frame);
    if (decoded.ok) throw new Error('expected an error reply');
    expect(decoded.error).toMatchObject({ code: 38, domain: 51, message, str1: '%s', int1: 2 });
    expect(toLockError(decoded.error)).toMatchObject({ code: 'SYSTEM_ERROR', errno: 2, message });
  });

  it.each([
    [87, 'RESOURCE_BUSY'], [1, 'INTERNAL_ERROR'], [55, 'OPERATION_INVALID'],
    [29, 'OPERATION_DENIED'], [38, 'SYSTEM_ERROR'], [8, 'INVALID_ARG'], [39, 'RPC'],
    [9, 'OPERATION_FAILED'], [999, 'INTERNAL_ERROR'],
  ])('maps daemon code %i to %s, keeping the daemon error', (code, expected) => {
    const error = toLockError(remoteError({ code, domain: 7 }), { operation: 'acquire' });
    expect(error.code).toBe(expected);
    expect(error.remote).toMatchObject({ code, domain: 7, message: 'boom' });
    expect(error.errno).toBeUndefined();
  });

  it('decodes optional dom and net members of the error structure', () => {
    const error = remoteError({ dom: { name: 'vm', uuid: '00112233-4455-6677-8899-aabbccddeeff',
      id: 3 }, net: { name: 'n', uuid: '00112233-4455-6677-8899-aabbccddeeff' }, str3: 'x' });
    const decoded = decodeReply(reply({ status: 1 }, encodeRemoteError(error)));
    expect(decoded).toMatchObject({ ok: false, error });
  });

  it.each([
    ['a wrong program', reply({ program: 0x0ea7beee })],
    ['a wrong version', reply({ version: 2 })],
    ['a CALL instead of a REPLY', reply({ type: 0 })],
    ['a STREAM message', reply({ type: 3 })],
    ['an unknown status', reply({ status: 2 })],
    ['an OK reply with a payload', reply({}, new Uint8Array(4))],
    ['an error reply with no payload', reply({ status: 1 })],
    ['an error with a bad optional discriminant',
      reply({ status: 1 }, hex('00 00 00 01 00 00 00 33 00 00 00 02'))],
    ['a frame shorter than its header', REGISTER_REPLY_CAPTURE.subarray(0, 20)],
    ['a length word that disagrees with the frame',
      Buffer.concat([REGISTER_REPLY_CAPTURE, hex('00')])],
  ])('decodes %s as an RPC error', (_what, frame) => {
    expect(codeOf(() => decodeReply(frame))).toBe('RPC');
  });

  it('rejects a CALL whose status is not 0 (as virtlockd does)', () => {
    const frame = Buffer.from(REGISTER_CAPTURE);
    frame.writeInt32BE(1, 24);
    expect(codeOf(() => decodeCall(frame))).toBe('RPC');
  });
});

describe('lockd frame reader', () => {
  const frames = [REGISTER_CAPTURE, REGISTER_REPLY_CAPTURE,
    encodeCall(9, { procedure: 'ACQUIRE_RESOURCE', path: '', name: '/a', flags: 1 })];
  const stream = Buffer.concat(frames);

  it('yields the same frames for every split of the stream into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const out = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(out.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
      expect(reader.pending).toBe(0);
    }
  });

  it('yields the same frames when fed one byte at a time', () => {
    const reader = new FrameReader();
    const out = [...stream].flatMap((byte) => reader.push(Uint8Array.of(byte)));
    expect(Buffer.concat(out).equals(stream)).toBe(true);
  });

  it.each([[27], [0], [3], [MAX_MESSAGE_BYTES + 1], [0xffffffff]])(
    'rejects length word %i as soon as it is complete, and stays poisoned', (length) => {
      const reader = new FrameReader();
      const word = Buffer.alloc(4);
      word.writeUInt32BE(length);
      expect(reader.push(word.subarray(0, 3))).toEqual([]);
      expect(codeOf(() => reader.push(word.subarray(3)))).toBe('RPC');
      expect(reader.allocated).toBe(0);
      expect(codeOf(() => reader.push(REGISTER_REPLY_CAPTURE))).toBe('RPC');
    });

  it('accepts the largest legal length word without allocating what it claims', () => {
    const reader = new FrameReader();
    const word = Buffer.alloc(8);
    word.writeUInt32BE(MAX_MESSAGE_BYTES);
    expect(reader.push(word)).toEqual([]);
    expect(reader.pending).toBe(8);
    expect(reader.allocated).toBeLessThanOrEqual(64 * 1024);
  });
});
