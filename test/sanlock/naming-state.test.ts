/**
 * libvirt's lease naming (MD5 of the disk path in `__LIBVIRT__DISKS__`) and sanlock's state
 * strings, both pure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import {
  AUTO_DISK_LOCKSPACE,
  autoDiskLockspace,
  diskLeaseName,
  leaseOf,
} from '../../drivers/sanlock/naming.ts';
import { formatState, parseLease, parseState } from '../../drivers/sanlock/state-string.ts';
import { ResourceFlag, type SanlockResource } from '../../drivers/sanlock/wire.ts';

describe('lease names', () => {
  it('a disk is the MD5 of its path, lower-case hex (md5sum of the same bytes)', () => {
    // `printf %s /var/lib/libvirt/images/a.img | md5sum`
    expect(diskLeaseName('/var/lib/libvirt/images/a.img')).toBe('e2a4e6d938f557685858b0e989617815');
  });

  it('a disk lease lives in <disk_lease_dir>/<md5> at offset 0, in __LIBVIRT__DISKS__', () => {
    const lease = leaseOf({ kind: 'disk', name: '/var/lib/libvirt/images/a.img', mode: 'shared' },
      '/var/lib/libvirt/sanlock');
    expect(lease).toEqual({ lockspace: AUTO_DISK_LOCKSPACE,
      name: 'e2a4e6d938f557685858b0e989617815', flags: ResourceFlag.SHARED, lver: 0n,
      disks: [{ path: '/var/lib/libvirt/sanlock/e2a4e6d938f557685858b0e989617815', offset: 0 }] });
    expect(autoDiskLockspace('/d', 3).disk).toEqual({ path: '/d/__LIBVIRT__DISKS__', offset: 0 });
  });

  it('paths are used as spelled: /a and //a are two leases (libvirt, edge case #19)', () => {
    expect(diskLeaseName('/a')).not.toBe(diskLeaseName('//a'));
  });

  it('read-only resources, and disks without auto leases, have no lease', () => {
    expect(leaseOf({ kind: 'disk', name: '/a', mode: 'readonly' }, '/d')).toBeNull();
    expect(leaseOf({ kind: 'disk', name: '/a', mode: 'exclusive' }, null)).toBeNull();
  });

  it('a <lease> keeps its key, path, offset and lockspace', () => {
    expect(leaseOf({ kind: 'lease', name: 'key', mode: 'exclusive',
      lease: { path: '/leases', offset: 1048576, lockspace: 'LS' } }, null)).toEqual({
      lockspace: 'LS', name: 'key', flags: 0, lver: 0n,
      disks: [{ path: '/leases', offset: 1048576 }] });
  });

  it('a name sanlock cannot hold is libvirt\'s INTERNAL_ERROR', () => {
    try {
      leaseOf({ kind: 'lease', name: 'k'.repeat(48), mode: 'exclusive',
        lease: { path: '/l', offset: 0 } }, null);
      expect.unreachable('accepted');
    } catch (error) {
      expect(isLockError(error) && error.code).toBe('INTERNAL_ERROR');
      expect((error as Error).message).toMatch(/^Resource name '.*' exceeds 48 characters$/);
    }
  });
});

const lease = (over: Partial<SanlockResource> = {}): SanlockResource => ({
  lockspace: '__LIBVIRT__DISKS__', name: 'e2a4e6d938f557685858b0e989617815', flags: ResourceFlag.LVER,
  lver: 3n, disks: [{ path: '/var/lib/libvirt/sanlock/e2a4e6d938f557685858b0e989617815', offset: 0 }],
  ...over });

describe('state strings', () => {
  it('are what the daemon returns: one "LS:NAME:PATH:OFFSET:LVER" per lease, SH when shared', () => {
    // Strings seen from sanlock 3.8.5's INQUIRE on this machine.
    expect(parseState('LS:res1:/tmp/slprobe/leases:1048576:1')).toEqual([{ lockspace: 'LS',
      name: 'res1', disks: [{ path: '/tmp/slprobe/leases', offset: 1048576 }],
      flags: ResourceFlag.LVER, lver: 1n }]);
    expect(parseState('LS:res1:/tmp/slprobe/leases:1048576:SH')[0]!.flags).toBe(ResourceFlag.SHARED);
    expect(formatState([lease(), lease({ name: 'x', flags: ResourceFlag.SHARED })])).toBe(
      '__LIBVIRT__DISKS__:e2a4e6d938f557685858b0e989617815:/var/lib/libvirt/sanlock/' +
      'e2a4e6d938f557685858b0e989617815:0:3 __LIBVIRT__DISKS__:x:/var/lib/libvirt/sanlock/' +
      'e2a4e6d938f557685858b0e989617815:0:SH');
  });

  it('escape colons in paths with a backslash', () => {
    const withColon = lease({ disks: [{ path: '/a:b', offset: 512 }] });
    expect(formatState([withColon])).toContain('/a\\:b:512:3');
    expect(parseState(formatState([withColon]))).toEqual([withColon]);
  });

  it('round-trip', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,47}$/);
    const path = fc.stringMatching(/^\/[A-Za-z0-9_./: -]{0,60}$/).filter((p) => !p.includes(' '));
    const resource = fc.record({
      lockspace: name, name,
      disks: fc.array(fc.record({ path, offset: fc.nat() }), { minLength: 1, maxLength: 4 }),
      shared: fc.boolean(), lver: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    }).map(({ shared, lver, ...rest }): SanlockResource => shared
      ? { ...rest, flags: ResourceFlag.SHARED, lver: 0n } : { ...rest, flags: ResourceFlag.LVER, lver });
    fc.assert(fc.property(fc.array(resource, { minLength: 1, maxLength: 8 }), (resources) => {
      expect(parseState(formatState(resources))).toEqual(resources);
    }));
  });

  it('accept a lease without a version, as sanlock does', () => {
    expect(parseLease('LS:r:/p:0')).toMatchObject({ flags: 0, lver: 0n, disks: [{ path: '/p', offset: 0 }] });
  });

  it.each(['LS', 'LS:r:/p', 'LS:r:/p:x:1', 'LS:r::0:1', 'LS:r:/p:0:v1', 'a  b', 'LS:r:/p:0:1\\',
    `LS:${'n'.repeat(48)}:/p:0:1`])('refuse %j with libvirt\'s message', (state) => {
    try {
      parseState(state);
      expect.unreachable('parsed');
    } catch (error) {
      expect(isLockError(error) && error.code).toBe('INTERNAL_ERROR');
      expect((error as Error).message).toMatch(/^Unable to parse lock state /);
    }
  });
});
