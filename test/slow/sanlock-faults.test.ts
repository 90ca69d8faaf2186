/**
 * What the real sanlock daemon does under faults, with real holders:
 * - a holder killed: its leases are released, the next acquire (this host or another) succeeds;
 * - storage EIO on the lockspace (an LD_PRELOAD shim, `faults/storage-fault.ts`): the daemon
 *   stops renewing, SIGTERMs the holder, then SIGKILLs it, before any other host could take
 *   its leases over (host_dead_seconds = 8·io_timeout + 60 s);
 * - the daemon SIGKILLed with the watchdog off (-w 0): nothing fences the holder, and another
 *   host is granted its lease while it still runs — split brain, reproduced and reported.
 * The measured times are printed; the assertions are the safety bounds, not speeds.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { buildStorageFaultShim, StorageFault } from '../../drivers/sanlock/faults/storage-fault.ts';
import { spawnSanlockOwner, waitUnregistered } from '../../conformance/harnesses/sanlock.ts';
import {
  describeSplitBrain,
  joinHost,
  lockFor,
  ownerOn,
  reproduceSplitBrain,
  type SanlockHost,
} from '../../conformance/hazards/sanlock.ts';
import { autoDiskLockspace } from '../../drivers/sanlock/naming.ts';
import { describeSanlock, SanlockScratch } from './sanlock-support.ts';

const IO_TIMEOUT_S = 1;
const KILL_GRACE_S = 3;
/** sanlock 3.8.5: another host may take a dead host's leases only after 8·io + 60 s. */
const HOST_DEAD_S = 8 * IO_TIMEOUT_S + 60;

const scratch = new SanlockScratch();
const owners: OwnerProcess[] = [];
let leaseDir: string;
let disks: string;
let host1: SanlockHost;
let host2: SanlockHost;

beforeAll(async () => {
  leaseDir = scratch.dir('lc-leases-');
  disks = scratch.dir('lc-disks-');
  const [a, b] = await Promise.all([scratch.daemon(), scratch.daemon()]);
  host1 = await joinHost(a, leaseDir, 1);
  host2 = await joinHost(b, leaseDir, 2);
});
afterAll(async () => {
  await Promise.all(owners.map((owner) => owner.kill('SIGKILL')));
  await scratch.release();
});

function disk(name: string): string {
  return join(disks, `${name}.img`);
}

/** Retries `attempt` until it succeeds (liveness, bounded); returns how many tries it took. */
async function eventually(attempt: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      return tries;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

describeSanlock('the real sanlock daemon under faults', () => {
  it('a killed holder\'s leases are released: the next acquire succeeds, here and on another host',
    async () => {
      const holder = await ownerOn(host1);
      owners.push(holder);
      await lockFor(host1, holder.pid, disk('x'), 'acquire');
      await lockFor(host1, holder.pid, disk('y'), 'acquire');
      const [local, remote] = [await ownerOn(host1), await ownerOn(host2)];
      owners.push(local, remote);
      await expect(lockFor(host2, remote.pid, disk('y'), 'acquire')).rejects.toMatchObject(
        { code: 'RESOURCE_BUSY', sanlockCode: -243 });
      await holder.kill('SIGKILL');
      await waitUnregistered(host1.daemon.client, holder.pid);
      await lockFor(host1, local.pid, disk('x'), 'acquire'); // a release in flight is retried
      const tries = await eventually(() => lockFor(host2, remote.pid, disk('y'), 'acquire'), 10_000);
      console.log(`holder killed: host 1 re-granted x at once; host 2 got y after ${tries} tries`);
    });

  describe.concurrent('faults that take the lockspace down', () => {
    it('storage EIO: the holder is SIGTERMed, then SIGKILLed, before any host could take over',
      async () => {
        const dir = scratch.dir('lc-eio-');
        const leases = join(dir, 'leases');
        mkdirSync(leases);
        const fault = new StorageFault(join(leases, '__LIBVIRT__DISKS__'),
          scratch.dir('lc-eio-ctl-'), buildStorageFaultShim());
        const daemon = await scratch.daemon({ useAio: false, killGraceS: KILL_GRACE_S,
          env: fault.env() });
        const host = await joinHost(daemon, leases, 1, IO_TIMEOUT_S);
        const signalLog = join(dir, 'signals.log');
        const holder = await spawnSanlockOwner({ ...host.config,
          lockchart_owner: { ignoreSigterm: true, signalLog } });
        owners.push(holder);
        await holder.register({ restrict: true });
        await lockFor(host, holder.pid, disk('eio'), 'acquire');
        const injected = Date.now();
        fault.failWithEio();
        const status = await Promise.race([holder.exited,
          sleep((HOST_DEAD_S + 10) * 1000).then(() => null)]);
        const diedAfterMs = Date.now() - injected;
        fault.heal();
        const sigterms = readFileSync(signalLog, 'utf8').trim().split('\n')
          .map((line) => Number(line.split(' ')[1]) - injected);
        console.log(`storage EIO: first SIGTERM at +${(sigterms[0]! / 1000).toFixed(1)} s ` +
          `(${sigterms.length} in all), holder dead (${status?.signal}) at ` +
          `+${(diedAfterMs / 1000).toFixed(1)} s; takeover bound ${HOST_DEAD_S} s`);
        expect(status).toEqual({ code: null, signal: 'SIGKILL' }); // it ignored the SIGTERMs
        expect(sigterms.length).toBeGreaterThan(0);
        expect(sigterms[0]!).toBeLessThan(diedAfterMs); // SIGTERM first, then SIGKILL
        expect(diedAfterMs).toBeLessThan(HOST_DEAD_S * 1000); // fenced before any takeover
        expect(daemon.log()).toMatch(new RegExp(`kill ${holder.pid} sig 9`));
        // With every pid gone the daemon drops the failed lockspace: it must be joined again.
        await eventually(async () => {
          expect(await daemon.client.inqLockspace(autoDiskLockspace(leases, 1))).toBe(-2);
        }, 10_000);
      }, 120_000);

    it('daemon SIGKILL with the watchdog off: another host is granted the lease while the holder runs',
      async () => {
        const report = await reproduceSplitBrain(host1, host2, disk('split'),
          { ioTimeoutS: IO_TIMEOUT_S });
        console.log(describeSplitBrain(report));
        expect(report.refusedBefore).toBe('SANLK_ACQUIRE_IDLIVE'); // excluded while it lived
        expect(report.splitBrain).toBe(true);
        expect(report.holderRanAtGrant).toBe(true);
        // Not before sanlock's own bound: the takeover waits for host_dead_seconds.
        expect(report.grantedAfterMs!).toBeGreaterThanOrEqual((HOST_DEAD_S - 8) * 1000);
      }, 180_000);
  });
});
