/**
 * Fault scenarios against the real virtlockd, with real owner processes and the kernel's lock
 * table (`/proc/locks`) as the judge (reference §4–§5):
 * - an owner dies: the daemon releases its locks;
 * - the daemon is SIGKILLed: every lock vanishes, owners live on, another "host" takes over;
 * - SIGUSR1 re-exec: same pid, same kernel locks, registrations and restrictions kept;
 * - SIGUSR1 with an unregistered connection: the daemon exits (status 9), every lock is lost;
 * - SIGUSR1 while calls are in flight: lost replies surface as OPERATION_TIMEOUT;
 * - aliasing: raw virtlockd grants `/x` and `//x` both; the driver's canonical names do not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { identity } from '../../contract/identity.ts';
import { isLockError, type LockError } from '../../contract/errors.ts';
import { LOCK_MANAGER_VERSION, ObjectType, ResourceType } from '../../contract/flags.ts';
import { LockdClient } from '../../drivers/lockd/client.ts';
import type { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { createLockdDriver, type LockdDriver } from '../../drivers/lockd/driver.ts';
import { settle } from '../../conformance/harnesses/lockd.ts';
import { checkAliasing, checkUnregisteredReexec } from '../../conformance/hazards/lockd.ts';
import { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { neutralOwner } from '../../drivers/lockd/owners.ts';
import { locksOnPath } from '../../system/proc-locks.ts';
import { validateResource } from '../../contract/resources.ts';
import { describeVirtlockd, Scratch, waitUntil } from './lockd-support.ts';

const scratch = new Scratch();
const owners: OwnerProcess[] = [];
const drivers: LockdDriver[] = [];
afterEach(async () => {
  await Promise.all(owners.splice(0).map((owner) => owner.kill()));
  await Promise.all(drivers.splice(0).map((driver) => driver.deinit()));
  await scratch.release();
});

/** One "host": a daemon, the libvirtd-side driver, and owners that register themselves. */
async function host(daemon: VirtlockdDaemon) {
  const config = { socket: daemon.socketPath };
  const driver = createLockdDriver();
  drivers.push(driver);
  await driver.init(LOCK_MANAGER_VERSION, config, 0);
  const objectFor = async (pid: number, disks: Array<[string, 0 | 2]>) => {
    const object = await driver.create({ type: ObjectType.DOMAIN,
      params: { ...identity(pid), pid }, flags: 0 });
    for (const [path, flags] of disks) {
      await driver.addResource(object, validateResource(ResourceType.DISK, path, flags));
    }
    return object;
  };
  return {
    driver,
    async owner(): Promise<OwnerProcess> {
      const owner = await OwnerProcess.spawn(config);
      owners.push(owner);
      await owner.register({ restrict: true });
      return owner;
    },
    async acquire(pid: number, disks: Array<[string, 0 | 2]>): Promise<void> {
      await driver.acquire(await objectFor(pid, disks), { state: null, flags: 0, action: 0 });
    },
    async release(pid: number, disks: Array<[string, 0 | 2]>): Promise<void> {
      await driver.release(await objectFor(pid, disks), 0);
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (isLockError(error)) return error.code;
    throw error;
  }
}

/** The kernel locks on `path` as [holder pid, mode] pairs. */
const kernel = (path: string) => locksOnPath(path).map((lock) => [lock.pid, lock.mode]);

describeVirtlockd('lockd faults against virtlockd', () => {
  it('an owner killed while holding locks loses them all (kernel locks gone)', async () => {
    const daemon = await scratch.daemon();
    const h = await host(daemon);
    const [x, y] = [scratch.disk('x.img'), scratch.disk('y.img')];
    const [a, b] = [await h.owner(), await h.owner()];
    await h.acquire(a.pid, [[x, 0], [y, 2]]);
    expect([kernel(x), kernel(y)]).toEqual([[[daemon.pid, 'WRITE']], [[daemon.pid, 'READ']]]);
    expect(await codeOf(h.acquire(b.pid, [[x, 0]]))).toBe('RESOURCE_BUSY');
    await a.kill('SIGKILL');
    await settle(daemon.socketPath);
    expect([kernel(x), kernel(y)]).toEqual([[], []]);
    await h.acquire(b.pid, [[x, 0], [y, 0]]);
    expect(kernel(y)).toEqual([[daemon.pid, 'WRITE']]);
  });

  it('SIGKILL of virtlockd drops every lock; owners live; another host acquires', async () => {
    const [daemonA, daemonB] = [await scratch.daemon(), await scratch.daemon()];
    const [hostA, hostB] = [await host(daemonA), await host(daemonB)];
    const x = scratch.disk();
    const [onA, onB] = [await hostA.owner(), await hostB.owner()];
    await hostA.acquire(onA.pid, [[x, 0]]);
    expect(kernel(x)).toEqual([[daemonA.pid, 'WRITE']]);
    // Host B's daemon is another process: the kernel lock of A's daemon refuses it.
    expect(await codeOf(hostB.acquire(onB.pid, [[x, 0]]))).toBe('RESOURCE_BUSY');
    daemonA.kill('SIGKILL');
    await daemonA.waitExit();
    expect(kernel(x)).toEqual([]);
    await hostB.acquire(onB.pid, [[x, 0]]);
    expect(kernel(x)).toEqual([[daemonB.pid, 'WRITE']]);
    expect([onA.alive, onB.alive]).toEqual([true, true]);
    // A restarted daemon is empty: the lock it "held" for onA is nobody's now.
    await daemonA.restart();
    expect(await codeOf(hostA.release(onA.pid, [[x, 0]]))).toBe('RESOURCE_BUSY');
  });

  it('SIGUSR1 re-exec keeps pid, kernel locks, registrations and restriction', async () => {
    const daemon = await scratch.daemon();
    const h = await host(daemon);
    const [x, y] = [scratch.disk('x.img'), scratch.disk('y.img')];
    const [a, b] = [await h.owner(), await h.owner()];
    await h.acquire(a.pid, [[x, 0], [y, 2]]);
    const pid = daemon.pid;
    // The same kernel locks: holder, mode, device, inode and range (ids are per snapshot).
    const entries = () => [x, y].map((path) =>
      locksOnPath(path).map(({ id: _id, ...lock }) => lock));
    const before = entries();
    expect(before.map((locks) => locks.length)).toEqual([1, 1]);
    await daemon.reexec();
    expect(daemon.pid).toBe(pid);
    expect(daemon.running).toBe(true);
    expect(entries()).toEqual(before);
    expect(await codeOf(h.acquire(b.pid, [[x, 0]]))).toBe('RESOURCE_BUSY');
    expect(await codeOf(a.callOwn('release', x))).toBe('OPERATION_DENIED');
    // The owner's own connection survived too: its death still releases everything.
    await a.kill('SIGKILL');
    await settle(daemon.socketPath);
    expect([kernel(x), kernel(y)]).toEqual([[], []]);
    await h.acquire(b.pid, [[x, 0]]);
  });

  it('SIGUSR1 with an unregistered connection: virtlockd exits 9, every lock lost', async () => {
    const daemon = await scratch.daemon();
    const h = await host(daemon);
    const x = scratch.disk();
    const a = await h.owner();
    await h.acquire(a.pid, [[x, 0]]);
    expect(kernel(x)).toEqual([[daemon.pid, 'WRITE']]);
    // Connected, never registered; CREATE_LOCKSPACE needs no REGISTER and proves it accepted.
    const bare = await LockdClient.connect(daemon.socketPath);
    await bare.call({ procedure: 'CREATE_LOCKSPACE', path: `${daemon.dir}/lockspace` });
    try {
      expect(await codeOf(daemon.reexec())).toBe('OPERATION_FAILED');
    } finally {
      await bare.close();
    }
    expect(daemon.lastExit).toEqual({ code: 9, signal: null });
    expect(kernel(x)).toEqual([]);
    expect(a.alive).toBe(true); // holders just see EOF; nobody kills them
    // The hazard check reproduces the same on a fresh daemon and reports it as a warning.
    const fresh = await scratch.daemon();
    const result = await checkUnregisteredReexec(fresh.socketPath, fresh.pid);
    expect(result).toMatchObject({ verdict: 'warn',
      facts: { heldBefore: true, exited: true, heldAfter: false } });
    await fresh.waitExit();
    expect(fresh.lastExit?.code).toBe(9);
  });

  it('SIGUSR1 while calls are in flight: every lost reply is OPERATION_TIMEOUT', async () => {
    const daemon = await scratch.daemon();
    const x = scratch.disk();
    const client = await LockdClient.connect(daemon.socketPath,
      { register: neutralOwner('hammer', 11), timeoutMs: 1_000 });
    const pair = [{ procedure: 'ACQUIRE_RESOURCE', path: '', name: x, flags: 0 },
      { procedure: 'RELEASE_RESOURCE', path: '', name: x, flags: 0 }] as const;
    const batch = Array.from({ length: 10 }, () => pair).flat();
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    let running = true;
    let inFlight = false;
    // Pipelined batches keep replies queued in the daemon: the ones a re-exec can drop.
    const hammer = (async () => {
      while (running) {
        inFlight = true;
        const settled = await Promise.allSettled(client.callMany(batch));
        inFlight = false;
        for (const outcome of settled) {
          const error = outcome.status === 'rejected' ? outcome.reason as LockError : null;
          const busy = /not locked/.test(error?.message ?? '') ? 'not locked' : 'locked';
          count(error === null ? 'ok'
            : error.code === 'RESOURCE_BUSY' ? `RESOURCE_BUSY (${busy})` : error.code);
        }
      }
    })();
    const pid = daemon.pid;
    const inFlightAtSignal: boolean[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        await sleep(30);
        await daemon.reexec({ beforeSignal: () => inFlightAtSignal.push(inFlight) });
      }
    } finally {
      running = false;
      await hammer;
    }
    console.log('outcomes of pipelined calls across 10 re-execs:', Object.fromEntries(outcomes));
    const allowed = ['ok', 'OPERATION_TIMEOUT', 'RESOURCE_BUSY (locked)',
      'RESOURCE_BUSY (not locked)'];
    expect([...outcomes.keys()].filter((key) => !allowed.includes(key))).toEqual([]);
    // What the test is about, not how fast: every re-exec struck while calls were in flight,
    // and calls kept succeeding across them.
    expect(inFlightAtSignal).toEqual(Array(10).fill(true));
    expect(outcomes.get('ok')).toBeGreaterThan(0);
    expect(daemon.pid).toBe(pid);
    await client.call({ procedure: 'REGISTER', owner: neutralOwner('hammer', 11), flags: 0 });
    await client.close();
  });

  it('aliasing: raw virtlockd grants /x and //x both; through the driver //x is busy', async () => {
    const [daemon, other] = [await scratch.daemon(), await scratch.daemon()];
    const x = scratch.disk();
    const [a, b] = await Promise.all([1, 2].map((n) =>
      LockdClient.connect(daemon.socketPath, { register: neutralOwner('alias', 20 + n) })));
    try {
      await a!.call({ procedure: 'ACQUIRE_RESOURCE', path: '', name: x, flags: 0 });
      await b!.call({ procedure: 'ACQUIRE_RESOURCE', path: '', name: `/${x}`, flags: 0 });
      expect(kernel(x)).toEqual([[daemon.pid, 'WRITE']]);
      await b!.call({ procedure: 'RELEASE_RESOURCE', path: '', name: `/${x}`, flags: 0 });
      // A still "holds" x exclusively, but the kernel lock is gone: another host takes x.
      expect(kernel(x)).toEqual([]);
      const h = await host(other);
      await h.acquire(424_242, [[x, 0]]);
      expect(kernel(x)).toEqual([[other.pid, 'WRITE']]);
      await h.release(424_242, [[x, 0]]);
      await a!.call({ procedure: 'RELEASE_RESOURCE', path: '', name: x, flags: 0 });
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
    const result = await checkAliasing(daemon.socketPath);
    expect(result).toMatchObject({ verdict: 'pass', facts: { rawFirstGranted: true,
      rawAliasGranted: true, kernelLockAfterAliasRelease: false,
      driverSecondAcquire: 'RESOURCE_BUSY' } });
    await waitUntil(() => kernel(x).length === 0, 'no lock left on x');
  });
});
