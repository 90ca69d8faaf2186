/**
 * The findings of libvirt's locking, reproduced on **libvirt's own code** (libvirt.so.0 and
 * lockd.so, through the helper) and real virtlockd daemons — `docs/libvirt.md`:
 *
 * - L1 destroy during start: an acquire for a pid that is already dead is granted, and kept;
 * - L2 path aliasing: two spellings on one host are two "exclusive" locks on one disk, and
 *   releasing either drops the kernel lock under the other; across hosts, in direct mode, the
 *   kernel refuses the second (which the model does not know);
 * - L3 a re-exec with an unregistered connection: lockd.so connects and only then REGISTERs,
 *   and a SIGUSR1 in between makes virtlockd exit, dropping every lock;
 * - L4 a reply lost in a re-exec: lockd.so waits for it for ever.
 * Scenario-shaped findings run as real-mode replays of the scenarios' traces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isolatedDaemon } from '../../daemons/isolated-virtlockd.ts';
import { LOCKD_RUN_SOCKET, lockdConfText } from '../../drivers/libvirt/config.ts';
import { LibvirtHelper } from '../../drivers/libvirt/helper-process.ts';
import type { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { settle } from '../../conformance/harnesses/lockd.ts';
import { AcquireFlags, NewFlags, ResourceType } from '../../contract/flags.ts';
import { isLockError } from '../../contract/errors.ts';
import { locksOnPath } from '../../system/proc-locks.ts';
import { validateResource, type ResourceSpec } from '../../contract/resources.ts';
import type { ObservedLock } from '../../real/backend.ts';
import { libvirtBackend } from '../../real/libvirt/backend.ts';
import { domainOf } from '../../real/libvirt/host.ts';
import { runReal, type RealRunResult } from '../../real/runner.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { failure } from '../helpers/lock-error.ts';
import { describeLibvirt } from './libvirt-support.ts';
import { Scratch } from './lockd-support.ts';

const scratch = new Scratch();
afterAll(() => scratch.release());

/** A scenario's trace replayed against libvirt's code; the last locks observed come back too. */
async function replayScenario(name: string):
  Promise<{ result: RealRunResult; last: ObservedLock[] }> {
  const file = join(scratch.dir('lockchart-scenario-'), `${name}.jsonl`);
  await runScenario(loadScenario(`scenarios/${name}.scenario`), new FileSink(file));
  const trace = readTraceFile(file);
  const backend = libvirtBackend();
  let last: ObservedLock[] = [];
  const observe = backend.observe.bind(backend);
  backend.observe = async () => {
    const locks = await observe();
    if (locks) last = locks;
    return locks;
  };
  const result = await runReal({ backend, keepGoing: true, source: { kind: 'trace',
    header: trace.header, steps: trace.steps.map((record) => record.step),
    finished: trace.end !== null } });
  return { result, last };
}

/** A host: a private virtlockd and a libvirt helper (lockd.so, direct leases). */
async function libvirtHost(timeoutMs = 10_000) {
  const daemon = await scratch.daemon(isolatedDaemon());
  writeFileSync(join(daemon.dir, 'qemu-lockd.conf'), lockdConfText({ socket: daemon.socketPath,
    lockspaceDir: null, timeoutMs }));
  return { daemon, ...await libvirtd(daemon, timeoutMs) };
}

async function libvirtd(daemon: VirtlockdDaemon, timeoutMs = 10_000) {
  const helper = await LibvirtHelper.start({ links: [[LOCKD_RUN_SOCKET, daemon.socketPath]],
    timeoutMs });
  return { helper, plugin: await helper.plugin('lockd', 'qemu', daemon.dir) };
}

const disk = (path: string): ResourceSpec[] => [validateResource(ResourceType.DISK, path, 0)];

describeLibvirt("findings reproduced on libvirt's own lock manager", () => {
  it('L1: an acquire for a pid that died is granted and kept (destroy during start)', async () => {
    const { result, last } = await replayScenario('destroy-during-start-leaks');
    expect(result.findings).toEqual([]);
    expect(result.liveness?.invariant).toBe('S7d');
    // After the last step the disk is still locked for real, for a process that is gone.
    expect(last).toEqual([{ disk: 0, mode: 'exclusive', holder: null }]);
  });

  it('L2: two spellings on one host are two exclusive locks (the model agrees: S1)',
    async () => {
      const { result } = await replayScenario('path-alias-same-host');
      expect(result.findings).toEqual([]);
      expect(result.violation?.invariant).toBe('S1');
    });

  it('L2: releasing one of the two drops the kernel lock under the other; another host ' +
    'then takes the disk', async () => {
    const a = await libvirtHost();
    const b = await libvirtHost();
    try {
      const x = scratch.disk();
      const spelled = x.replace(/\/([^/]+)$/, '//$1');
      const on = (host: typeof a, pid: number, path: string, call: 'acquire' | 'release') =>
        host.helper.domain({ plugin: host.plugin, call, params: domainOf(pid), resources: disk(path) });
      await on(a, 4_200_101, x, 'acquire');
      await on(a, 4_200_102, spelled, 'acquire'); // granted: another name, same process
      expect(locksOnPath(x).map((lock) => lock.pid)).toEqual([a.daemon.pid]);
      expect((await failure(on(b, 4_200_103, x, 'acquire'))).code).toBe('RESOURCE_BUSY');
      await on(a, 4_200_102, spelled, 'release');
      expect(locksOnPath(x)).toEqual([]); // virtlockd closed one fd: its POSIX lock is gone
      // …while its table still says x is held exclusively:
      expect((await failure(on(a, 4_200_104, x, 'acquire'))).message).toMatch(/is locked/);
      await on(b, 4_200_103, x, 'acquire'); // so the other host takes the same disk
      expect(locksOnPath(x).map((lock) => lock.pid)).toEqual([b.daemon.pid]);
    } finally {
      await Promise.all([a.helper.close(), b.helper.close()]);
    }
  });

  it('L2: across hosts in direct mode the kernel refuses the second spelling (a model finding)',
    async () => {
      const { result } = await replayScenario('path-alias-two-locks');
      expect(result.findings.map((finding) => [finding.kind, finding.message.replace(/'.*'/, "'…'")]))
        .toEqual([['outcome', 'acquireLocks for pid 101: the model answers success, the real ' +
          "driver RESOURCE_BUSY (resource busy: Lockspace resource '…' is locked)"]]);
    });

  it('L3: SIGUSR1 while lockd.so connects (REGISTER not yet read) makes virtlockd exit, and ' +
    'every lock is gone', async () => {
    const host = await libvirtHost(1_000);
    // libvirtd apart from the VMs' parent (the host helper), so a stuck one can be replaced.
    let caller = await libvirtd(host.daemon, 1_000);
    try {
      const x = scratch.disk();
      const vm = await host.helper.spawnVm();
      await vm.register(host.plugin, { newFlags: NewFlags.NEW_STARTED,
        flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, params: domainOf(vm.pid),
        resources: disk(x) });
      await host.helper.domain({ plugin: host.plugin, call: 'acquire', params: domainOf(vm.pid),
        resources: disk(x) });
      const other = scratch.disk();
      let trials = 0;
      for (; trials < 200 && host.daemon.running; trials++) {
        const spinUs = Math.floor(Math.random() * 400);
        let call: Promise<unknown> = Promise.resolve();
        await host.daemon.reexec({ beforeSignal: () => {
          // libvirtd's next lock call: lockd.so connects, then REGISTERs in a later write.
          call = caller.helper.domain({ plugin: caller.plugin, call: 'release',
            params: domainOf(4_200_201), resources: disk(other) });
          call.catch(() => {});
          const until = process.hrtime.bigint() + BigInt(spinUs * 1000);
          while (process.hrtime.bigint() < until) { /* let the connect land before the signal */ }
        } }).catch(() => {});
        const outcome = await call.then(() => 'ok', (error: unknown) =>
          (isLockError(error) ? error.code : 'other'));
        if (outcome === 'OPERATION_TIMEOUT') { // L4: lockd.so waits for a lost reply for ever
          caller.helper.kill();
          caller = await libvirtd(host.daemon, 1_000);
        }
      }
      expect(host.daemon.running, `virtlockd still runs after ${trials} re-execs`).toBe(false);
      expect(host.daemon.lastExit).toEqual({ code: 9, signal: null });
      console.log(`virtlockd exited after ${trials} re-exec(s) raced against lockd.so's connect`);
      expect(locksOnPath(x)).toEqual([]); // every lock gone…
      expect(vm.alive).toBe(true); // …while the VM runs on, unprotected
    } finally {
      await caller.helper.close();
      await host.helper.close();
    }
  }, 240_000);

  it('L4: a reply lost in a re-exec leaves lockd.so waiting for ever while virtlockd runs',
    async () => {
      const host = await libvirtHost(1_500);
      let caller = { helper: host.helper, plugin: host.plugin };
      try {
        const x = scratch.disk();
        let hung = false;
        for (let trial = 0; trial < 100 && !hung; trial++) {
          let call: Promise<unknown> = Promise.resolve();
          await host.daemon.reexec({ beforeSignal: () => {
            call = caller.helper.domain({ plugin: caller.plugin, call: 'release',
              params: domainOf(4_200_301), resources: disk(x) });
            call.catch(() => {});
          } }).catch(() => {});
          if (!host.daemon.running) await host.daemon.restart(); // an L3 exit: go on
          const outcome = await call.then(() => 'ok', (error: unknown) =>
            (isLockError(error) ? error.code : 'other'));
          if (outcome !== 'OPERATION_TIMEOUT') continue;
          // The daemon answers everyone else; libvirt's call is blocked in poll() for good.
          await settle(host.daemon.socketPath);
          const stack = readFileSync(`/proc/${caller.helper.pid}/wchan`, 'utf8');
          expect(stack).toMatch(/poll/);
          hung = true;
        }
        expect(hung).toBe(true);
      } finally {
        await caller.helper.close();
      }
    }, 240_000);
});
