/**
 * The pure parts of the libvirt helper's TypeScript side: the line protocol's string, parameter
 * and resource encodings (round trips for any text, NUL refused), reply decoding into typed
 * errors with libvirt's own fields, and the qemu-lockd.conf written for lockd.so.
 */
import { fc, it as fcIt } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { lockdConfText, parseLibvirtConfig } from '../../drivers/libvirt/config.ts';
import {
  decodeReply,
  decodeString,
  domainParams,
  encodeParams,
  encodeResources,
  encodeString,
  LibvirtError,
  wireResource,
} from '../../drivers/libvirt/wire.ts';
import { failure } from '../helpers/lock-error.ts';

describe('strings on the wire', () => {
  fcIt.prop([fc.string({ unit: 'binary' }).filter((text) => !text.includes('\0'))])(
    'round-trip any text without NUL, as one token with no space or newline', (text) => {
      const token = encodeString(text);
      expect(token).toMatch(/^s[^\s]*$/);
      expect(decodeString(token)).toBe(text);
    });

  it('keeps paths readable and encodes what would cut a line', () => {
    expect(encodeString('/var/lib/a b\n.img')).toBe('s/var/lib/a%20b%0A.img');
    expect(encodeString(null)).toBe('-');
    expect(decodeString('-')).toBeNull();
    expect(() => encodeString('a\0b')).toThrow(/NUL/);
    expect(() => decodeString('s%zz')).toThrow(/bad escape/);
    expect(() => decodeString('x')).toThrow(/not a string token/);
  });
});

describe('parameters and resources', () => {
  it("encode domain_lock.c's parameters with libvirt's types", () => {
    const params = domainParams({ uuid: '00000000-0000-4000-8000-000000000001', name: 'vm 1',
      id: 3, pid: 42, uri: 'qemu:///system' });
    expect(encodeParams(params)).toBe('5 suuid 7 s00000000-0000-4000-8000-000000000001 ' +
      'sname 0 svm%201 sid 4 3 spid 4 42 suri 1 sqemu:///system');
  });

  it('encode disks with their flags and leases with path, offset and lockspace', () => {
    const disk = wireResource({ kind: 'disk', name: '/d.img', mode: 'shared' });
    const lease = wireResource({ kind: 'lease', name: 'key', mode: 'exclusive',
      lease: { path: '/leases', offset: 0, lockspace: 'space' } });
    expect(encodeResources([disk, lease])).toBe('2 0 2 s/d.img 0 1 0 skey 3 spath 0 s/leases ' +
      'soffset 5 0 slockspace 0 sspace');
  });
});

describe('replies', () => {
  it('decode ok fields, and errors into LockErrors carrying libvirt\'s code and domain', () => {
    expect(decodeReply(['ok', '3', '-'])).toEqual({ ok: true, fields: ['3', '-'] });
    const busy = decodeReply(['err', 'acquire', '87', '51', '2', '-1',
      "sresource%20busy:%20Lockspace%20resource%20%27/x%27%20is%20locked"]);
    expect(busy.ok).toBe(false);
    const error = (busy as { error: LibvirtError }).error;
    expect(error).toBeInstanceOf(LibvirtError);
    expect([error.code, error.message, error.libvirtCode]).toEqual(['RESOURCE_BUSY',
      "resource busy: Lockspace resource '/x' is locked", 87]);
    expect(error.libvirt).toEqual({ stage: 'acquire', libvirtCode: 87, domain: 51, level: 2 });
    const system = (decodeReply(['err', 'acquire', '38', '51', '2', '2', 'sno']) as
      { error: LibvirtError }).error;
    expect([system.code, system.errno]).toEqual(['SYSTEM_ERROR', 2]);
    const unknown = (decodeReply(['err', 'new', '12345', '42', '2', '-1', 'sodd']) as
      { error: LibvirtError }).error;
    expect(unknown.code).toBe('INTERNAL_ERROR');
  });

  it('refuse a malformed reply as an RPC error', () => {
    expect(() => decodeReply(['err', 'acquire'])).toThrow(/malformed reply/);
    expect(() => decodeReply(['maybe'])).toThrow(/malformed reply/);
  });
});

describe("lockd.so's configuration", () => {
  it('writes auto leases, and file_lockspace_dir only for indirect leases', () => {
    const direct = parseLibvirtConfig({ socket: '/run/x/sock' });
    expect(lockdConfText(direct)).not.toMatch(/file_lockspace_dir/);
    const indirect = parseLibvirtConfig({ socket: '/run/x/sock', file_lockspace_dir: '/l s' });
    expect(lockdConfText(indirect)).toMatch(/^auto_disk_leases = 1$/m);
    expect(lockdConfText(indirect)).toMatch(/^file_lockspace_dir = "\/l s"$/m);
  });

  it('refuses what libvirt\'s config parser would misread, with one typed error', async () => {
    for (const config of [{}, { socket: 'rel' }, { socket: '/a"b' }, { socket: '/s', colour: 1 },
      { socket: '/s', timeout_ms: 0 }, { socket: '/s', file_lockspace_dir: '/a\nb' }]) {
      const error = await failure(Promise.resolve().then(() => parseLibvirtConfig(config)));
      expect(error.code, JSON.stringify(config)).toBe('INVALID_ARG');
    }
  });
});
