/**
 * The sanlock client and driver against real daemons: two "hosts" (two daemons, one lease
 * directory, host_ids 1 and 2) joined once for the whole file, owners that are real processes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identity } from '../../contract/identity.ts';
import { AcquireFlags, FailureAction, LOCK_MANAGER_VERSION, NewFlags, ObjectType, ResourceType }
  from '../../contract/flags.ts';
import type { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { validateResource } from '../../contract/resources.ts';
import { SanlockClient } from '../../drivers/sanlock/client.ts';
import { createSanlockDriver, type SanlockDriver } from '../../drivers/sanlock/driver.ts';
import { waitUnregistered } from '../../conformance/harnesses/sanlock.ts';
import { joinHost, lockFor, ownerOn, restrictedCommandHazard, type SanlockHost }
  from '../../conformance/hazards/sanlock.ts';
import { ensureLeaseFile } from '../../drivers/sanlock/lease-files.ts';
import { autoDiskLockspace, leaseOf } from '../../drivers/sanlock/naming.ts';
import { parseState } from '../../drivers/sanlock/state-string.ts';
import { RestrictFlag } from '../../drivers/sanlock/wire.ts';
import { describeSanlock, SanlockScratch } from './sanlock-support.ts';

const scratch = new SanlockScratch();
let leaseDir: string;
let host1: SanlockHost;
let host2: SanlockHost;
let disks: string;
const owners: OwnerProcess[] = [];

beforeAll(async () => {
  leaseDir = scratch.dir('lc-leases-');
  disks = scratch.dir('lc-disks-');
  const [a, b] = await Promise.all([scratch.daemon(), scratch.daemon()]);
  host1 = await joinHost(a, leaseDir, 1); // formats the lockspace (3 s) …
  host2 = await joinHost(b, leaseDir, 2); // … then the second host joins it (3 s)
});
afterAll(async () => {
  await Promise.all(owners.map((owner) => owner.kill('SIGKILL')));
  await scratch.release();
});

let diskCount = 0;
function disk(): string {
  const path = join(disks, `disk-${++diskCount}.img`);
  writeFileSync(path, '');
  return path;
}

async function owner(host: SanlockHost): Promise<OwnerProcess> {
  const made = await ownerOn(host);
  owners.push(made);
  return made;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure, but it succeeded');
}

describeSanlock('the sanlock client against real daemons', () => {
  it('administers lockspaces: joined, already joined, not joined', async () => {
    const client = host1.daemon.client;
    expect(await client.inqLockspace(autoDiskLockspace(leaseDir, 1))).toBe(0);
    expect(await client.addLockspace(autoDiskLockspace(leaseDir, 1))).toBe(-17);
    expect(await client.inqLockspace(autoDiskLockspace(leaseDir, 3))).toBe(-2);
  });

  it('a registration owns leases: acquire, inquire with the lease version, release', async () => {
    const client = host1.daemon.client;
    const lease = leaseOf({ kind: 'disk', name: disk(), mode: 'exclusive' }, leaseDir)!;
    expect(await ensureLeaseFile(client, lease)).toBe(true);
    const registration = await client.register();
    try {
      await registration.acquire([lease], 'lockchart-test');
      const { count, state } = await registration.inquire();
      expect(count).toBe(1);
      const [held] = parseState(state);
      expect(held).toMatchObject({ lockspace: '__LIBVIRT__DISKS__', name: lease.name });
      expect(held!.lver).toBeGreaterThan(0n);
      expect(await client.inquire(process.pid)).toEqual({ count, state }); // on behalf: the same
      await registration.release([lease]);
      expect((await registration.inquire()).state).toBe('');
      const notHeld = await failure(registration.release([lease]));
      expect(notHeld).toMatchObject({ code: 'INTERNAL_ERROR', sanlockCode: -1 });
      await registration.killpath('/bin/true', 'lockchart');
      await registration.restrict(RestrictFlag.ALL);
      const denied = await failure(registration.acquire([lease], 'lockchart-test'));
      expect(denied).toMatchObject({ code: 'OPERATION_DENIED' });
    } finally {
      await registration.close();
    }
  });

  it('acts for another registered pid, and refuses an unregistered one', async () => {
    const a = await owner(host1);
    const lease = leaseOf({ kind: 'disk', name: disk(), mode: 'exclusive' }, leaseDir)!;
    await ensureLeaseFile(host1.daemon.client, lease);
    const client = new SanlockClient({ socket: host1.daemon.socketPath });
    await client.acquire(a.pid, [lease], 'vm');
    expect((await client.inquire(a.pid)).count).toBe(1);
    await client.release(a.pid, [lease]);
    const unregistered = await failure(client.acquire(4_000_000, [lease], 'vm'));
    expect(unregistered).toMatchObject({ code: 'OPERATION_INVALID', sanlockCode: -3 });
    expect(await client.isRegistered(4_000_000)).toBe(false);
  });

  it('undoes a failed multi-lease acquire within the call (failure semantics)', async () => {
    const [x, y] = [disk(), disk()];
    const [a, b, c] = await Promise.all([owner(host1), owner(host1), owner(host1)]);
    await lockFor(host1, a.pid, y, 'acquire');
    const object = await host1.driver.create({ type: ObjectType.DOMAIN,
      params: { ...identity(b.pid), pid: b.pid }, flags: 0 });
    for (const path of [x, y]) {
      await host1.driver.addResource(object, validateResource(ResourceType.DISK, path, 0));
    }
    const busy = await failure(host1.driver.acquire(object, { state: null, flags: 0, action: 0 }));
    expect(busy).toMatchObject({ code: 'RESOURCE_BUSY', sanlockCode: -17 });
    await lockFor(host1, c.pid, x, 'acquire'); // x was not left held by B
  });

  it('excludes across hosts: a live other host\'s lease is SANLK_ACQUIRE_IDLIVE', async () => {
    const [x, shared] = [disk(), disk()];
    const [a, b] = [await owner(host1), await owner(host2)];
    await lockFor(host1, a.pid, x, 'acquire');
    const busy = await failure(lockFor(host2, b.pid, x, 'acquire'));
    expect(busy).toMatchObject({ code: 'RESOURCE_BUSY', sanlockCode: -243 });
    await Promise.all([lockFor(host1, a.pid, shared, 'acquire', 'shared'),
      lockFor(host2, b.pid, shared, 'acquire', 'shared')]); // contention is retried
    const c = await owner(host2);
    const exclusive = await failure(lockFor(host2, c.pid, shared, 'acquire'));
    expect(exclusive).toMatchObject({ code: 'RESOURCE_BUSY' });
    expect([-11, -17]).toContain(exclusive['sanlockCode']);
  });

  it('an owner that closes its registered connection loses its leases, and is not killed',
    async () => {
      const x = disk();
      const [a, b] = [await owner(host1), await owner(host1)];
      await lockFor(host1, a.pid, x, 'acquire');
      expect(await a.dropConnection()).toBe(true);
      await waitUnregistered(host1.daemon.client, a.pid);
      await lockFor(host1, b.pid, x, 'acquire');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(a.alive).toBe(true); // unlike virtlockd, sanlock does not kill it
    });

  it('on_lockfailure: poweroff and pause register libvirt\'s killpath helper; restart is refused',
    async () => {
      // The test process is the owner here (the child's case): its registration, with no
      // leases, lives until this test file's process exits.
      const object = await host1.driver.create({ type: ObjectType.DOMAIN,
        params: { ...identity(process.pid), pid: process.pid, uri: 'qemu:///system' },
        flags: NewFlags.NEW_STARTED });
      const refused = await failure(host1.driver.acquire(object,
        { state: null, flags: AcquireFlags.REGISTER_ONLY, action: FailureAction.RESTART }));
      expect(refused).toMatchObject({ code: 'CONFIG_UNSUPPORTED',
        message: 'Failure action restart is not supported by sanlock' });
      const { fd } = await host1.driver.acquire(object,
        { state: null, flags: AcquireFlags.REGISTER_ONLY, action: FailureAction.POWEROFF });
      expect(fd).toBeGreaterThan(2);
      expect(host1.daemon.log()).toMatch(/cmd_killpath .* flags 0/);
    });

  it('a pid that never registered is silently not locked (libvirt, edge case #14)', async () => {
    const x = disk();
    const stranger = 4_100_000; // no process has it
    await lockFor(host1, stranger, x, 'acquire'); // "succeeds" …
    const b = await owner(host1);
    await lockFor(host1, b.pid, x, 'acquire'); // … and took nothing
  });

  describe('lease versions in the state string (edge case #12)', () => {
    let checked: SanlockDriver;
    beforeAll(async () => {
      checked = createSanlockDriver();
      await checked.init(LOCK_MANAGER_VERSION, { ...host1.config, lease_versions: 1 }, 0);
    });

    async function acquireWithState(driver: SanlockDriver, pid: number, path: string,
      state: string | null): Promise<void> {
      const object = await driver.create({ type: ObjectType.DOMAIN,
        params: { ...identity(pid), pid }, flags: 0 });
      await driver.addResource(object, validateResource(ResourceType.DISK, path, 0));
      await driver.acquire(object, { state, flags: 0, action: 0 });
    }

    it('libvirt ignores them: a lease taken and released by another owner meanwhile goes unseen',
      async () => {
        const x = disk();
        const [vm, other] = [await owner(host1), await owner(host2)];
        await lockFor(host1, vm.pid, x, 'acquire');
        const state = await lockFor(host1, vm.pid, x, 'release'); // pause: state saved
        expect(state).toMatch(/^__LIBVIRT__DISKS__:[0-9a-f]{32}:.*:0:\d+$/);
        await lockFor(host2, other.pid, x, 'acquire'); // another host writes meanwhile …
        await lockFor(host2, other.pid, x, 'release');
        await acquireWithState(host1.driver, vm.pid, x, state); // … and resume still succeeds
      });

    it('with lease_versions the daemon refuses the stale lease (SANLK_ACQUIRE_LVER)', async () => {
      const x = disk();
      const [vm, other] = [await owner(host1), await owner(host2)];
      await lockFor(host1, vm.pid, x, 'acquire');
      const state = await lockFor(host1, vm.pid, x, 'release');
      await acquireWithState(checked, vm.pid, x, state); // nobody in between: granted
      const again = await lockFor(host1, vm.pid, x, 'release');
      await lockFor(host2, other.pid, x, 'acquire');
      await lockFor(host2, other.pid, x, 'release');
      const stale = await failure(acquireWithState(checked, vm.pid, x, again));
      expect(stale).toMatchObject({ code: 'RESOURCE_BUSY', sanlockCode: -240 });
    });
  });

  it('a command on a restricted connection gets no answer and wedges sanlock 3.8.5', async () => {
    const daemon = await scratch.daemon();
    const report = await restrictedCommandHazard(daemon.socketPath);
    console.log(`restricted connection: ${JSON.stringify(report)}`);
    expect(report).toEqual({ connectionDropped: false, daemonWedged: true,
      recoveredAfterClose: true });
  });
});

