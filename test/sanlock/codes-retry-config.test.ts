/**
 * sanlock's result codes as typed errors, the jittered retry (with an injected random source and
 * sleep, so it is deterministic here), and the driver's configuration.
 */
import { describe, expect, it } from 'vitest';
import { parseSanlockConfig } from '../../drivers/sanlock/config.ts';
import {
  codeName,
  isTransient,
  lockErrorCode,
  sanlockError,
  SanlockError,
} from '../../drivers/sanlock/result-codes.ts';
import { backoffCeiling, withRetries, type RetryPolicy } from '../../drivers/sanlock/retry.ts';
import { isLockError } from '../../contract/errors.ts';

describe('result codes', () => {
  it.each([
    [-17, 'acquire', 'RESOURCE_BUSY'], // held on this host
    [-11, 'acquire', 'RESOURCE_BUSY'], // held shared by a live other host
    [-243, 'acquire', 'RESOURCE_BUSY'], // SANLK_ACQUIRE_IDLIVE
    [-240, 'acquire', 'RESOURCE_BUSY'], // SANLK_ACQUIRE_LVER: taken since the state was saved
    [-223, 'acquire', 'RESOURCE_BUSY'], // libvirt: every SANLK_* code on acquire
    [-223, 'release', 'INTERNAL_ERROR'],
    [-3, 'acquire', 'OPERATION_INVALID'], // pid not registered
    [-1, 'release', 'INTERNAL_ERROR'], // the pid does not hold that lease
    [-28, 'acquire', 'SYSTEM_ERROR'], // lockspace not joined
    [-22, 'acquire', 'INVALID_ARG'],
  ] as const)('%i in %s is %s', (code, operation, expected) => {
    expect(lockErrorCode(code, operation)).toBe(expected);
  });

  it('a typed error keeps the daemon\'s code, its name and the errno', () => {
    const error = sanlockError(-17, 'acquire', '__LIBVIRT__DISKS__:e2a4 for pid 42');
    expect(error).toBeInstanceOf(SanlockError);
    expect(isLockError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'RESOURCE_BUSY', sanlockCode: -17, sanlockName: 'EEXIST',
      errno: 17, driver: 'sanlock', operation: 'acquire' });
    expect(error.message).toBe('sanlock acquire __LIBVIRT__DISKS__:e2a4 for pid 42: ' +
      'File exists (EEXIST, -17)');
    const idlive = sanlockError(-243, 'acquire', 'x');
    expect(idlive.errno).toBeUndefined();
    expect(idlive.message).toContain('SANLK_ACQUIRE_IDLIVE');
    expect(idlive.within({ resource: '/a' }, 'Failed to acquire lock')).toMatchObject({
      sanlockCode: -243, resource: '/a', message: expect.stringMatching(/^Failed to acquire lock: /) });
  });

  it('unknown codes still get a name', () => {
    expect(codeName(-299)).toBe('SANLK code -299');
    expect(codeName(-150)).toBe('errno 150');
  });

  it('transient: paxos contention and leases being released, not a live holder', () => {
    for (const code of [-16, -11, -244, -245, -246]) expect(isTransient(code, 'acquire')).toBe(true);
    for (const code of [-17, -243, -240, -3, -28]) expect(isTransient(code, 'acquire')).toBe(false);
    expect(isTransient(-11, 'add_lockspace')).toBe(true);
    // A shared acquire meets another host's own shared acquire holding the paxos lease briefly.
    expect(isTransient(-243, 'acquire', true)).toBe(true);
  });
});

/** A policy whose randomness and sleeping are recorded, not real. */
function recorded(randoms: number[], attempts = 5): RetryPolicy & { slept: number[] } {
  const slept: number[] = [];
  let i = 0;
  return { attempts, baseMs: 5, capMs: 40, slept,
    random: () => randoms[i++ % randoms.length]!, sleep: async (ms) => void slept.push(ms) };
}

describe('jittered retries', () => {
  it('pause uniformly below a capped, doubling ceiling, drawn from the injected source', async () => {
    const policy = recorded([0.5, 1, 0, 0.25]);
    let tries = 0;
    await expect(withRetries(policy, async () => {
      tries++;
      return { done: false, error: new Error(`busy ${tries}`) };
    })).rejects.toThrow('busy 5');
    expect(tries).toBe(5);
    expect(policy.slept).toEqual([2.5, 10, 0, 10]); // 0.5·5, 1·10, 0·20, 0.25·40
    expect([0, 1, 2, 3, 10].map((k) => backoffCeiling(policy, k))).toEqual([5, 10, 20, 40, 40]);
  });

  it('stop at the first success, and at once on an error that is not transient', async () => {
    const policy = recorded([0.1]);
    const ok = await withRetries(policy, async (index) =>
      index < 2 ? { done: false, error: new Error('busy') } : { done: true, value: index });
    expect(ok).toEqual({ value: 2, tries: 3 });
    let tries = 0;
    await expect(withRetries(recorded([0.1]), async () => {
      tries++;
      throw new Error('fatal');
    })).rejects.toThrow('fatal');
    expect(tries).toBe(1);
  });
});

describe('configuration', () => {
  it('has libvirt\'s defaults', () => {
    expect(parseSanlockConfig({})).toEqual({ socket: '/run/sanlock/sanlock.sock',
      autoDiskLeases: false, diskLeaseDir: '/var/lib/libvirt/sanlock', hostId: 0,
      requireLeaseForDisks: true, ioTimeoutS: 0, timeoutMs: undefined, leaseVersions: false });
    expect(parseSanlockConfig({ auto_disk_leases: 1, host_id: 5 })).toMatchObject({
      autoDiskLeases: true, hostId: 5, requireLeaseForDisks: false });
  });

  it.each([
    [{ hostid: 1 }, /unknown configuration key 'hostid'/],
    [{ host_id: 2001 }, /'host_id' must be an integer in 0..2000/],
    [{ auto_disk_leases: 'yes' }, /'auto_disk_leases' must be 0 or 1/],
    [{ disk_lease_dir: 'rel' }, /'disk_lease_dir' must be an absolute path/],
    [{ timeout_ms: 0 }, /'timeout_ms' must be positive/],
  ])('refuses %j', (config, message) => {
    expect(() => parseSanlockConfig(config)).toThrow(message);
  });
});
