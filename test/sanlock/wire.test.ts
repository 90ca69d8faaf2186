/**
 * The sanlock wire format, byte for byte against libsanlock: every request lockchart sends is
 * compared with what Debian's libsanlock_client 3.8.5 wrote to the socket for the same inputs
 * (captured with strace, `test/fixtures/sanlock/libsanlock-requests.json`). Then the reply side.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import {
  checkReply,
  Command,
  decodeReplyHeader,
  encodeHeader,
  HEADER_BYTES,
  Requests,
  ResourceFlag,
  SM_MAGIC,
  type SanlockLockspace,
  type SanlockResource,
} from '../../drivers/sanlock/wire.ts';

const captured = JSON.parse(readFileSync(
  new URL('../fixtures/sanlock/libsanlock-requests.json', import.meta.url), 'utf8')) as
  Record<string, string[]>;

/** The bytes libsanlock sent for `step`, all send() buffers joined. */
function sent(step: string): string {
  return captured[step]!.join('');
}

// The inputs the capture used (cap.py, see the fixture's _about).
const lockspace: SanlockLockspace = { name: '__LIBVIRT__DISKS__', hostId: 7, flags: 0,
  disk: { path: '/tmp/slprobe/lsfile', offset: 0 } };
const lease: SanlockResource = { lockspace: '__LIBVIRT__DISKS__',
  name: 'e2a4e6d938f557685858b0e989617815', flags: 0, lver: 0n,
  disks: [{ path: '/tmp/slprobe/lease3', offset: 0 }] };
const HELPER = '/usr/lib/libvirt/libvirt_sanlock_helper';
const HELPER_ARGS = 'qemu:///system 00000000-0000-4000-8000-000000001234 poweroff';

describe('requests are byte-identical to libsanlock 3.8.5', () => {
  it.each([
    ['write_lockspace', () => Requests.writeLockspace(lockspace, 1)],
    ['add_lockspace', () => Requests.addLockspace(lockspace, 1)],
    ['inq_lockspace', () => Requests.inqLockspace(lockspace, 1)],
    ['rem_lockspace', () => Requests.remLockspace(lockspace)],
    ['init_resource', () => Requests.writeResource(lease)],
    ['align', () => Requests.align(lease.disks[0]!)],
    ['acquire_pid', () => Requests.acquire([{ ...lease, flags: ResourceFlag.SHARED }],
      { pid: 4321 }, 'vm-1234')],
    ['release_pid', () => Requests.release([lease], { pid: 4321 })],
    ['inquire_pid', () => Requests.inquire({ pid: 4321 })],
    ['register_restrict_killpath', () => Buffer.concat([Requests.register(),
      Requests.killpath(HELPER, HELPER_ARGS), Requests.inquire({ self: true }),
      Requests.restrict(1)])],
  ])('%s', (step, encode) => {
    expect(encode().toString('hex')).toBe(sent(step));
  });
});

describe('request encoding refuses what sanlock would truncate', () => {
  it.each([
    ['a 48-byte resource name', () => Requests.acquire([{ ...lease, name: 'n'.repeat(48) }],
      { pid: 1 }, 'vm')],
    ['a 1024-byte path', () => Requests.align({ path: `/${'p'.repeat(1023)}`, offset: 0 })],
    ['a NUL in a name', () => Requests.writeResource({ ...lease, name: 'a\0b' })],
    ['nine leases in one acquire', () => Requests.acquire(Array(9).fill(lease), { pid: 1 }, 'vm')],
    ['a lease with no disk', () => Requests.writeResource({ ...lease, disks: [] })],
    ['a negative offset', () => Requests.align({ path: '/x', offset: -1 })],
    ['pid 0', () => Requests.inquire({ pid: 0 })],
  ])('%s is INVALID_ARG', (_what, encode) => {
    try {
      encode();
      expect.unreachable('encoded');
    } catch (error) {
      expect(isLockError(error) && error.code).toBe('INVALID_ARG');
    }
  });

  it('an owner name is cut to 47 bytes, as libvirt copies the VM name', () => {
    const bytes = Requests.acquire([lease], { pid: 1 }, 'v'.repeat(60));
    const options = bytes.subarray(bytes.length - 56);
    expect(options.subarray(0, 48).toString('latin1')).toBe(`${'v'.repeat(47)}\0`);
  });
});

function reply(cmd: number, result: number, body = Buffer.alloc(0), data2 = 0): Buffer {
  const header = encodeHeader({ cmd: cmd as never, flags: 0, data: result, data2 }, body.length);
  return Buffer.concat([header, body]);
}

describe('replies', () => {
  it('decodes a negative result and the echoed command', () => {
    const header = decodeReplyHeader(reply(Command.ACQUIRE, -17));
    expect(header).toMatchObject({ cmd: Command.ACQUIRE, result: -17, length: HEADER_BYTES });
  });

  it('an inquire body is a NUL-terminated state string', () => {
    const bytes = reply(Command.INQUIRE, 0, Buffer.from('LS:r:/l:0:3\0'), 1);
    const header = decodeReplyHeader(bytes);
    expect(() => checkReply({ header, body: bytes.subarray(32) }, Command.INQUIRE)).not.toThrow();
  });

  it.each([
    ['a wrong magic', () => decodeReplyHeader(Buffer.alloc(32))],
    ['a length under 32', () => {
      const bytes = reply(Command.VERSION, 0);
      bytes.writeUInt32LE(31, 16);
      return decodeReplyHeader(bytes);
    }],
    ['a reply to another command', () => checkReply(
      { header: decodeReplyHeader(reply(Command.RELEASE, 0)), body: Buffer.alloc(0) },
      Command.ACQUIRE)],
    ['a body on an acquire reply', () => checkReply(
      { header: decodeReplyHeader(reply(Command.ACQUIRE, 0, Buffer.from('x'))), body: Buffer.from('x') },
      Command.ACQUIRE)],
    ['a state string without its NUL', () => checkReply(
      { header: decodeReplyHeader(reply(Command.INQUIRE, 0, Buffer.from('LS'))), body: Buffer.from('LS') },
      Command.INQUIRE)],
    ['bytes after the NUL', () => checkReply(
      { header: decodeReplyHeader(reply(Command.INQUIRE, 0, Buffer.from('L\0S'))), body: Buffer.from('L\0S') },
      Command.INQUIRE)],
  ])('%s is an RPC error that says what is wrong', (_what, decode) => {
    try {
      decode();
      expect.unreachable('decoded');
    } catch (error) {
      expect(isLockError(error) && error.code).toBe('RPC');
      expect((error as Error).message).toMatch(/^malformed sanlock reply: /);
    }
  });

  it('the header magic is sanlock\'s', () => {
    expect(Requests.version().readUInt32LE(0)).toBe(SM_MAGIC);
  });
});
