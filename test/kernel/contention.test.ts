/**
 * Several real processes contending for the same real files through the kernel-lock drivers:
 * exclusive vs exclusive, shared vs shared, exclusive vs shared, the holder killed (the lock
 * goes), the holder stopped (the lock stays). After every test, no process it started is left
 * and the kernel holds no lock on its files (`afterEach`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import { createOfdDriver, type OfdDriver } from '../../drivers/ofd/driver.ts';
import { createPosixDriver } from '../../drivers/posix/driver.ts';
import { identity } from '../../contract/identity.ts';
import {
  ACQUIRE, eventually, loaded, objectFor, posixFixture,
} from './helpers.ts';

const fixture = posixFixture();
let nextId = 1;

const owner = () => fixture.supervisor.start(identity(nextId++));

type Disks = ReadonlyArray<readonly [string, 'exclusive' | 'shared']>;

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return isLockError(error) ? error.code : String(error);
  }
}

describe('posix: the locks are held by the owners\' supervisors', () => {
  const acquire = async (pid: number, disks: Disks) =>
    outcome(fixture.posix.acquire(await objectFor(fixture.posix, pid, disks), ACQUIRE));
  const release = async (pid: number, disks: Disks) =>
    outcome(fixture.posix.release(await objectFor(fixture.posix, pid, disks), 0));

  it('exclusive excludes exclusive: one WRITE lock on byte 0, by the first owner', async () => {
    const x = fixture.box.disk('x');
    const [a, b] = [await owner(), await owner()];
    expect(await acquire(a, [[x, 'exclusive']])).toBe('ok');
    expect(await acquire(b, [[x, 'exclusive']])).toBe('RESOURCE_BUSY');
    expect(fixture.box.locks().map((l) => [l.kind, l.mode, l.pid, l.start, l.end]))
      .toEqual([['POSIX', 'WRITE', a, 0, 0]]);
  });

  it('shared allows shared: three owners, three READ locks', async () => {
    const x = fixture.box.disk('x');
    const pids = [await owner(), await owner(), await owner()];
    for (const pid of pids) expect(await acquire(pid, [[x, 'shared']])).toBe('ok');
    expect(fixture.box.locks().map((l) => `${l.mode}:${l.pid}`).sort())
      .toEqual(pids.map((pid) => `READ:${pid}`).sort());
  });

  it('exclusive and shared exclude each other, either way round', async () => {
    const [x, y] = [fixture.box.disk('x'), fixture.box.disk('y')];
    const [a, b] = [await owner(), await owner()];
    expect(await acquire(a, [[x, 'shared'], [y, 'exclusive']])).toBe('ok');
    expect(await acquire(b, [[x, 'exclusive']])).toBe('RESOURCE_BUSY');
    expect(await acquire(b, [[y, 'shared']])).toBe('RESOURCE_BUSY');
    expect(await release(a, [[x, 'shared'], [y, 'exclusive']])).toBe('ok');
    expect(await acquire(b, [[x, 'exclusive'], [y, 'shared']])).toBe('ok');
  });

  it('kill -9 of the holder releases at once: the kernel drops its locks', async () => {
    const x = fixture.box.disk('x');
    const [a, b] = [await owner(), await owner()];
    expect(await acquire(a, [[x, 'exclusive']])).toBe('ok');
    expect(await acquire(b, [[x, 'exclusive']])).toBe('RESOURCE_BUSY');
    await fixture.supervisor.kill(a);
    expect(await acquire(b, [[x, 'exclusive']])).toBe('ok');
    expect(fixture.box.locks().map((l) => l.pid)).toEqual([b]);
  });

  it('SIGSTOP of the holder keeps its locks; after SIGCONT it holds and can release', async () => {
    const x = fixture.box.disk('x');
    const [a, b] = [await owner(), await owner()];
    expect(await acquire(a, [[x, 'exclusive']])).toBe('ok');
    expect(fixture.supervisor.process(a)!.signal('supervisor', 'SIGSTOP')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await acquire(b, [[x, 'exclusive']])).toBe('RESOURCE_BUSY');
    expect(fixture.box.locks().map((l) => l.pid)).toEqual([a]);
    fixture.supervisor.process(a)!.signal('supervisor', 'SIGCONT');
    expect(await acquire(b, [[x, 'shared']])).toBe('RESOURCE_BUSY');
    expect(await release(a, [[x, 'exclusive']])).toBe('ok');
    expect(await acquire(b, [[x, 'exclusive']])).toBe('ok');
  });

  it('a call to a stopped supervisor times out: OPERATION_TIMEOUT, outcome unknown', async () => {
    const driver = await loaded(createPosixDriver({ agents: fixture.agents }),
      { agent_timeout_ms: 200 });
    const x = fixture.box.disk('x');
    const a = await owner();
    fixture.supervisor.process(a)!.signal('supervisor', 'SIGSTOP');
    const object = await objectFor(driver, a, [[x, 'exclusive']]);
    expect(await outcome(driver.acquire(object, ACQUIRE))).toBe('OPERATION_TIMEOUT');
    fixture.supervisor.process(a)!.signal('supervisor', 'SIGCONT');
    // The request was still in flight: it took effect late, which `prefix` admits.
    expect(await eventually(() => fixture.box.locks().length === 1)).toBe(true);
    await driver.deinit();
  });

  it('a failed multi-resource acquire keeps its prefix (no rollback)', async () => {
    const [x, y] = [fixture.box.disk('x'), fixture.box.disk('y')];
    const [a, b] = [await owner(), await owner()];
    expect(await acquire(a, [[y, 'exclusive']])).toBe('ok');
    expect(await acquire(b, [[x, 'exclusive'], [y, 'exclusive']])).toBe('RESOURCE_BUSY');
    expect(fixture.box.locks().map((l) => l.pid).sort()).toEqual([a, b].sort());
    expect(await acquire(b, [[x, 'exclusive']])).toBe('RESOURCE_BUSY');
  });

  it('an owner without a supervisor cannot hold posix locks', async () => {
    const x = fixture.box.disk('x');
    expect(await acquire(process.pid, [[x, 'exclusive']])).toBe('OPERATION_INVALID');
    expect(fixture.box.locks()).toEqual([]);
  });
});

describe('ofd: the locks are held in this process for the owners', () => {
  let ofd: OfdDriver;
  beforeEach(async () => {
    ofd = await loaded(createOfdDriver(), { owner_poll_ms: 20 });
  });
  afterEach(async () => {
    await ofd.deinit();
  });
  const acquire = async (pid: number, disks: Disks) =>
    outcome(ofd.acquire(await objectFor(ofd, pid, disks), ACQUIRE));
  /** Another process (a supervisor through the posix driver) trying to lock the file. */
  const outsider = async (x: string, mode: 'exclusive' | 'shared' = 'exclusive') => {
    const pid = await owner();
    const result = await outcome(fixture.posix.acquire(
      await objectFor(fixture.posix, pid, [[x, mode]]), ACQUIRE));
    await fixture.supervisor.kill(pid);
    return result;
  };

  it('exclusive excludes exclusive, here and in other processes', async () => {
    const x = fixture.box.disk('x');
    const [a, b] = [await owner(), await owner()];
    expect(await acquire(a, [[x, 'exclusive']])).toBe('ok');
    expect(await acquire(b, [[x, 'exclusive']])).toBe('RESOURCE_BUSY');
    expect(await outsider(x)).toBe('RESOURCE_BUSY');
    expect(fixture.box.locks().map((l) => [l.kind, l.mode, l.pid, l.start, l.end]))
      .toEqual([['OFDLCK', 'WRITE', -1, 0, 0]]);
  });

  it('shared allows shared, and an outside reader; an outside writer is refused', async () => {
    const x = fixture.box.disk('x');
    const [a, b] = [await owner(), await owner()];
    expect(await acquire(a, [[x, 'shared']])).toBe('ok');
    expect(await acquire(b, [[x, 'shared']])).toBe('ok');
    expect(await outsider(x, 'shared')).toBe('ok');
    expect(await outsider(x, 'exclusive')).toBe('RESOURCE_BUSY');
    expect(await acquire(b, [[x, 'exclusive']])).toBe('RESOURCE_BUSY');
  });

  it('the owner killed: the driver notices and drops its locks, so others can lock', async () => {
    const x = fixture.box.disk('x');
    const a = await owner();
    expect(await acquire(a, [[x, 'exclusive']])).toBe('ok');
    expect(await outsider(x)).toBe('RESOURCE_BUSY');
    await fixture.supervisor.kill(a);
    expect(await eventually(() => fixture.box.locks().length === 0)).toBe(true);
    expect(await outsider(x)).toBe('ok');
  });

  it('refuses an owner pid that is not running', async () => {
    const a = await owner();
    await fixture.supervisor.kill(a);
    expect(await acquire(a, [[fixture.box.disk('x'), 'exclusive']])).toBe('OPERATION_INVALID');
  });

  it('ownerGone (a supervisor\'s exit event) drops the owner\'s locks at once', async () => {
    const slow = await loaded(createOfdDriver(), { owner_poll_ms: 60_000 });
    const stop = fixture.supervisor.onExit((pid) => slow.ownerGone(pid));
    const [x, y] = [fixture.box.disk('x'), fixture.box.disk('y')];
    const a = await owner();
    await slow.acquire(await objectFor(slow, a, [[x, 'exclusive'], [y, 'shared']]), ACQUIRE);
    expect(fixture.box.locks()).toHaveLength(2);
    await fixture.supervisor.kill(a);
    expect(fixture.box.locks()).toEqual([]);
    stop();
    await slow.deinit();
  });

  it('the owner stopped (SIGSTOP) keeps its locks over many polls, and after SIGCONT', async () => {
    const x = fixture.box.disk('x');
    const a = await owner();
    expect(await acquire(a, [[x, 'exclusive']])).toBe('ok');
    fixture.supervisor.process(a)!.signal('supervisor', 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await outsider(x)).toBe('RESOURCE_BUSY');
    fixture.supervisor.process(a)!.signal('supervisor', 'SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fixture.box.locks()).toHaveLength(1);
    expect(await outsider(x)).toBe('RESOURCE_BUSY');
  });
});
