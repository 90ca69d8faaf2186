/**
 * The `sanlock` real driver's pure parts, on any machine (the runs against real daemons are
 * `test/slow/real-sanlock-runs.test.ts`): its registration as a built-in real driver, the fault
 * classes it refuses before anything starts, the world's lease names both ways, and sanlock's
 * leader record as read from a lease file.
 */
import { describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import { readParams } from '../../drivers/lease/params.ts';
import { PAXOS_DISK_MAGIC, parseLeader } from '../../drivers/sanlock/leader.ts';
import { diskLeaseName, inLeaseDir } from '../../drivers/sanlock/naming.ts';
import { formatState } from '../../drivers/sanlock/state-string.ts';
import { ResourceFlag } from '../../drivers/sanlock/wire.ts';
import { realDriverNames, unavailable } from '../../real/backends.ts';
import { RealModeError, runReal } from '../../real/runner.ts';
import { sanlockBackend } from '../../real/sanlock/backend.ts';
import { worldLeases } from '../../real/sanlock/leases.ts';
import { SANLOCK_REAL_FAULTS } from '../../real/sanlock/world.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { builtinDriver } from '../../sim/resolve-driver.ts';
import { createStorage } from '../../sim/world/storage.ts';

describe('the sanlock real driver', () => {
  it('is a built-in real driver checked against model-sanlock', () => {
    const offer = builtinDriver('sanlock')!;
    expect(offer.driver?.family).toBe('sanlock');
    expect(offer.reference?.name).toBe('model-sanlock');
    expect(offer.model).toBeUndefined();
    expect(realDriverNames()).toContain('sanlock');
    const why = unavailable('sanlock');
    expect(why === null || /sanlock|root/.test(why)).toBe(true);
  });

  it.each(FAULT_NAMES.filter((fault) => !SANLOCK_REAL_FAULTS.has(fault)))(
    'refuses %s up front, before any daemon starts', async (fault) => {
      const backend = sanlockBackend();
      backend.setup = () => Promise.reject(new Error('setup must not run'));
      await expect(runReal({ backend, source: { kind: 'random', seed: 1, steps: 5,
        faults: [fault] } })).rejects.toThrow(new RegExp(`cannot inject ${fault} with driver 'sanlock'`));
    });

  it.each(['daemonCrash', 'hostCrash', 'daemonReexec'] as const)(
    '%s has no meaning for it, and says why', async (method) => {
      const error = await sanlockBackend()[method](0).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RealModeError);
      expect((error as Error).message).toMatch(/has no meaning for the sanlock driver: (the model frees|sanlock has no re-exec)/);
    });
});

describe('the world as sanlock leases', () => {
  const storage = createStorage(2);
  const root = '/tmp/lc-world';
  const world = { storage, realPath: (path: string) => root + path };
  const modelDir = readParams({}).diskLeaseDir;
  const leases = worldLeases(world, `${root}/leases`, modelDir);
  const realName = (disk: number, n = 0) => diskLeaseName(root + storage.spelling(disk, n));
  const lease = (name: string, dir: string, flags = 0, lver = 3n) =>
    ({ lockspace: '__LIBVIRT__DISKS__', name, flags, lver, disks: [{ path: inLeaseDir(dir, name), offset: 0 }] });

  it('maps every spelling\'s real lease back to its disk', () => {
    for (const disk of [0, 1]) {
      for (const n of [0, 1, 2]) expect(leases.diskOf(realName(disk, n))).toBe(disk);
    }
    expect(leases.diskOf(diskLeaseName(storage.canonical(0)))).toBeUndefined(); // a model name
  });

  it('reads what a pid holds from the daemon\'s inquire string', () => {
    const state = formatState([lease(realName(1), `${root}/leases`),
      lease(realName(0, 2), `${root}/leases`, ResourceFlag.SHARED),
      lease('0123456789abcdef0123456789abcdef', `${root}/leases`)]);
    expect(leases.observed(state, 104)).toEqual([
      { disk: 1, holder: 104, mode: 'exclusive' },
      { disk: 0, holder: 104, mode: 'shared' },
    ]);
    expect(leases.observed(null, 104)).toEqual([]);
    expect(leases.observed('', 104)).toEqual([]);
  });

  it('hands an acquire the model\'s lock state with the real leases, versions kept', () => {
    const model = formatState([lease(diskLeaseName(storage.spelling(1, 1)), modelDir, 0, 7n)]);
    expect(leases.realState(model)).toBe(formatState([lease(realName(1, 1), `${root}/leases`, 0, 7n)]));
    expect(leases.realState(null)).toBeNull();
    expect(leases.realState('not a state')).toBe('not a state'); // refused for real as by the model
  });
});

describe("sanlock's leader record", () => {
  function leader(owner: bigint, timestamp: bigint, magic = PAXOS_DISK_MAGIC): Buffer {
    const bytes = Buffer.alloc(512);
    bytes.writeUInt32LE(magic, 0);
    bytes.writeBigUInt64LE(owner, 32);
    bytes.writeBigUInt64LE(2n, 40);
    bytes.writeBigUInt64LE(9n, 48);
    bytes.write('__LIBVIRT__DISKS__', 56);
    bytes.write('45a2bb01d4efe313eb2db0673af85081', 104);
    bytes.writeBigUInt64LE(timestamp, 152);
    return bytes;
  }

  it('says who owns a lease, and that a released one is free', () => {
    expect(parseLeader(leader(2n, 1234n))).toEqual({ ownerId: 2, ownerGeneration: 2, lver: 9n,
      resourceName: '45a2bb01d4efe313eb2db0673af85081', free: false });
    expect(parseLeader(leader(2n, 0n)).free).toBe(true);
  });

  it('refuses bytes that hold no lease', () => {
    for (const bytes of [leader(1n, 1n, 0x12212010), Buffer.alloc(100)]) {
      let error: unknown;
      try {
        parseLeader(bytes);
      } catch (caught) {
        error = caught;
      }
      expect(isLockError(error) && error.code).toBe('INVALID_ARG');
    }
  });
});
