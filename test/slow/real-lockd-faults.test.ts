/**
 * Faults on the real virtlockd as simulator faults in real mode (lockd backend), each judged by
 * the kernel's lock table (`/proc/locks`) and by real mode against `model-lockd`:
 * - a VM stand-in killed (SIGKILL, SIGTERM, abort): its daemon releases its locks;
 * - virtlockd SIGKILLed under running VMs: every lock is gone, another host acquires, and the
 *   checkers report it (S2) while reality agrees with the model;
 * - SIGUSR1 re-exec: the locks survive; replies lost in it are OPERATION_TIMEOUT, "outcome
 *   unknown", and the call took effect all the same;
 * - SIGUSR1 with a connection that has not registered yet: the daemon exits, every lock is lost,
 *   and real mode reports that divergence from the model (a re-exec keeps everything);
 * - two spellings of one path (`/x`, `//x`, a by-id symlink): excluded, as `model-lockd` says
 *   (the alias lock on one host, the kernel across hosts);
 * - the owner's own connection closing, the guest's own calls, host crash, image probe,
 *   libvirtd restart.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { neutralOwner } from '../../drivers/lockd/owners.ts';
import { encodeCall } from '../../drivers/lockd/protocol.ts';
import { lockdBackend } from '../../real/lockd/backend.ts';
import { runReal } from '../../real/runner.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { describeVirtlockd } from './lockd-support.ts';
import { backendFor, header, releaseBackends, startAndRun, use } from './real-lockd-support.ts';

afterEach(releaseBackends);
const traces = mkdtempSync(join(tmpdir(), 'lockchart-real-lockd-traces-'));
afterAll(() => rmSync(traces, { recursive: true, force: true }));

/** Trials of the re-exec race: see the test for the measured hit rate behind this bound. */
const REEXEC_RACE_TRIES = Number(process.env['LOCKCHART_RACE_TRIES'] ?? 12);
const one = { hosts: 1, vms: 2, disks: 2 };
const two = { hosts: 2, vms: 2, disks: 2 };
const code = (reply: { ok: boolean; code?: string }) => (reply.ok ? 'ok' : reply.code);

describeVirtlockd('lockd real mode: faults on the real daemon', () => {
  it.each(['kill', 'crash', 'term'] as const)('a VM stand-in ended by %s loses its locks',
    async (how) => {
      const backend = await backendFor(one);
      await backend.launch(100, 0, [use(0), use(1, 'shared')]);
      await backend.launch(101, 0, [use(0)]);
      expect(code(await backend.register(100, [use(0), use(1, 'shared')]))).toBe('ok');
      expect(code(await backend.lockCall('acquire', 0, 100, [use(0), use(1, 'shared')], null)))
        .toBe('ok');
      expect(await backend.observe()).toEqual([{ disk: 0, mode: 'exclusive', holder: null },
        { disk: 1, mode: 'shared', holder: null }]);
      expect(code(await backend.lockCall('acquire', 0, 101, [use(0)], null)))
        .toBe('RESOURCE_BUSY');
      await backend.end(100, how);
      expect(backend.alive(100)).toBe(false);
      expect(await backend.observe()).toEqual([]);
      expect(code(await backend.lockCall('acquire', 0, 101, [use(0)], null))).toBe('ok');
    });

  it('SIGKILL of virtlockd drops every lock under a running VM; another host acquires',
    async () => {
      const backend = await backendFor(two);
      await backend.launch(100, 0, [use(0)]);
      await backend.launch(101, 1, [use(0)]);
      await backend.register(100, [use(0)]);
      await backend.register(101, [use(0)]);
      expect(code(await backend.lockCall('acquire', 0, 100, [use(0)], null))).toBe('ok');
      // Host 1's daemon is another process: the kernel lock of host 0's daemon refuses it.
      expect(code(await backend.lockCall('acquire', 1, 101, [use(0)], null)))
        .toBe('RESOURCE_BUSY');
      await backend.daemonCrash(0);
      expect(await backend.observe()).toEqual([]);
      expect(backend.alive(100)).toBe(true);
      expect(code(await backend.lockCall('acquire', 1, 101, [use(0)], null))).toBe('ok');
      expect(await backend.observe()).toEqual([{ disk: 0, mode: 'exclusive', holder: null }]);
    });

  it('in real mode the daemon crash is a violation the model and reality agree on', async () => {
    const result = await runReal({ backend: lockdBackend(), source: { kind: 'trace',
      header: header(two, [{ name: 'vm0', disks: [use(0)], spares: [] },
        { name: 'vm1', disks: [use(0)], spares: [] }], ['daemon-crash']),
      steps: [...startAndRun(0, 0), { kind: 'fault', fault: 'daemon-crash', host: 0 }] } });
    expect(result.findings).toEqual([]);
    expect(result.violation?.invariant).toBe('S2');
  });

  it('SIGUSR1 keeps the locks; a reply lost in it is OPERATION_TIMEOUT, the call took effect',
    async () => {
      const backend = await backendFor(one, { timeoutMs: 1_000 });
      await backend.launch(100, 0, [use(0), use(1)]);
      await backend.register(100, [use(0), use(1)]);
      await backend.lockCall('acquire', 0, 100, [use(0), use(1)], null);
      const held = await backend.observe();
      await backend.daemonReexec(0);
      expect(await backend.observe()).toEqual(held);
      const replies = new Map<string, number>();
      // The loss is a race with the re-exec: seen after 4 to 250 calls here, and in CI once at the
      // very first call; so the loop runs until both replies were seen. The cap keeps a miss below
      // one in 100,000 runs at that rate (≈ 60 s at worst, within the slow tier's timeout).
      const seenBoth = () => replies.has('OPERATION_TIMEOUT') && replies.has('ok');
      for (let pair = 0; pair < 1000 && !seenBoth(); pair++) {
        for (const kind of ['release', 'acquire'] as const) {
          const reply = await backend.lockCall(kind, 0, 100, [use(0), use(1)], null,
            { acrossReexec: true });
          replies.set(code(reply)!, (replies.get(code(reply)!) ?? 0) + 1);
          expect(await backend.observe()).toEqual(kind === 'acquire' ? held : []);
        }
      }
      console.log('replies of calls made across a re-exec:', Object.fromEntries(replies));
      expect([...replies.keys()].sort()).toEqual(['OPERATION_TIMEOUT', 'ok']);
      expect(backend.incidents).toEqual([]);
    });

  it('SIGUSR1 with an unregistered connection: the daemon exits, real mode reports the loss',
    async () => {
      const path = join(traces, 'unregistered-reexec.jsonl');
      const backend = lockdBackend({ unregisteredAtReexec: true });
      const result = await runReal({ backend, sink: new FileSink(path), source: { kind: 'trace',
        header: header({ hosts: 1, vms: 1, disks: 1 }, [{ name: 'vm0', disks: [use(0)],
          spares: [] }], ['daemon-reexec']),
        steps: [...startAndRun(0, 0), { kind: 'fault', fault: 'daemon-reexec', host: 0,
          lost: [] }] } });
      expect(result.violation).toBeNull();
      const lost = /^disk0 is unlocked for real but exclusive in the model/;
      expect(result.findings).toEqual([expect.objectContaining({ step: 3, kind: 'locks',
        message: expect.stringMatching(lost) })]);
      expect(backend.incidents).toEqual([expect.stringMatching(
        /^h0: virtlockd exited during a re-exec \(code 9, signal null\)/)]);
      // The finding is in the trace, which replays against the model (and in real mode).
      expect(readTraceFile(path).end?.findings).toEqual(result.findings);
    });

  it('a connection registering in its first write just before SIGUSR1 still kills the daemon',
    async () => {
      const backend = await backendFor(one);
      const daemon = backend.daemonOf(0);
      // With the daemon held by SIGSTOP, the connection completes in the kernel and its first
      // write (REGISTER) waits unread; SIGUSR1 is pending when the daemon resumes. It then
      // accepts the connection and handles the signal in one turn of its loop, usually before
      // the REGISTER is processed. Not always — measured 58 of 60 trials on a quiet machine,
      // 168 of 200 with both cores busy — so the test repeats until the exit is seen. With a
      // hit rate of at least 0.79 (the lower 95% bound under load), 12 tries miss with
      // probability 0.21^12 < 1e-8.
      const outcomes: string[] = [];
      while (outcomes.length < REEXEC_RACE_TRIES && !outcomes.includes('9')) {
        let raw: Socket | null = null;
        outcomes.push(await daemon.reexec({ whileStopped: async () => {
          raw = createConnection({ path: daemon.socketPath });
          raw.on('error', () => {});
          await once(raw, 'connect');
          const register = encodeCall(0, { procedure: 'REGISTER',
            owner: neutralOwner('lockchart-race', 7), flags: 0 });
          await new Promise<void>((resolve, reject) =>
            raw!.write(register, (error) => (error ? reject(error) : resolve())));
        } }).then(() => 'kept', () => String(daemon.lastExit?.code ?? null)));
        (raw as Socket | null)?.destroy();
        if (!daemon.running) await daemon.restart();
      }
      console.log(`re-execs raced by a connect + REGISTER: exit 9 after ${outcomes.length} ` +
        `tr${outcomes.length === 1 ? 'y' : 'ies'} (${outcomes.join(', ')})`);
      expect(outcomes).toContain('9');
    });

  it('excludes every spelling of a path, on one host (alias lock) and across hosts (kernel)',
    async () => {
      const backend = await backendFor({ hosts: 2, vms: 3, disks: 1 });
      const spellings = ['/shared/disk0.img', '/shared//disk0.img',
        '/dev/disk/by-id/lockchart-disk0'];
      for (const [pid, host] of [[100, 0], [101, 0], [102, 1]] as const) {
        await backend.launch(pid, host, [use(0, 'exclusive', spellings[pid - 100])]);
      }
      const via = (pid: number) => [use(0, 'exclusive', spellings[pid - 100])];
      expect(code(await backend.lockCall('acquire', 0, 100, via(100), null))).toBe('ok');
      expect(code(await backend.lockCall('acquire', 0, 101, via(101), null)))
        .toBe('RESOURCE_BUSY');
      expect(code(await backend.lockCall('acquire', 1, 102, via(102), null)))
        .toBe('RESOURCE_BUSY');
      // libvirt's name is the spelling: releasing another one is "not locked", and the alias
      // lock guarding the held spelling stays; its own spelling releases it.
      expect(code(await backend.lockCall('release', 0, 100, via(101), null)))
        .toBe('RESOURCE_BUSY');
      expect(code(await backend.lockCall('acquire', 0, 101, via(101), null)))
        .toBe('RESOURCE_BUSY');
      expect(code(await backend.lockCall('release', 0, 100, via(100), null))).toBe('ok');
      expect(await backend.observe()).toEqual([]);
      expect(code(await backend.lockCall('acquire', 0, 101, via(101), null))).toBe('ok');
    });

  it('the owner closing its own connection: released and killed when it held locks',
    async () => {
      const backend = await backendFor(one);
      await backend.launch(100, 0, [use(0)]);
      await backend.launch(101, 0, [use(1)]);
      await backend.register(100, [use(0)]);
      await backend.register(101, [use(1)]);
      await backend.lockCall('acquire', 0, 100, [use(0)], null);
      expect(code(await backend.rogueCall(100, 'release', use(0)))).toBe('OPERATION_DENIED');
      expect(code(await backend.rogueCall(101, 'acquire', use(1)))).toBe('OPERATION_DENIED');
      expect(await backend.dropConnection(100)).toEqual({ killed: true });
      expect(await backend.dropConnection(101)).toEqual({ killed: false });
      expect(await backend.observe()).toEqual([]);
    });

  it('a host crash kills its VMs and empties its daemon; the other host is untouched',
    async () => {
      const backend = await backendFor(two);
      await backend.launch(100, 0, [use(0)]);
      await backend.launch(101, 1, [use(1)]);
      await backend.register(100, [use(0)]);
      await backend.lockCall('acquire', 0, 100, [use(0)], null);
      await backend.lockCall('acquire', 1, 101, [use(1)], null);
      await backend.hostCrash(0);
      expect([backend.alive(100), backend.alive(101)]).toEqual([false, true]);
      expect(await backend.observe()).toEqual([{ disk: 1, mode: 'exclusive', holder: null }]);
      expect(code(await backend.lockCall('release', 0, 100, [use(0)], null)))
        .toBe('RESOURCE_BUSY'); // the new daemon never heard of it
    });

  it('libvirtd reading an image or restarting changes no lock', async () => {
    const backend = await backendFor(one);
    await backend.launch(100, 0, [use(0)]);
    await backend.lockCall('acquire', 0, 100, [use(0)], null);
    await backend.probeImage(0, 0);
    await backend.libvirtdRestart(0);
    expect(await backend.observe()).toEqual([{ disk: 0, mode: 'exclusive', holder: null }]);
    expect(code(await backend.lockCall('release', 0, 100, [use(0)], null))).toBe('ok');
  });

  it('writes land on the image in order, by the process that wrote them', async () => {
    const backend = await backendFor(one);
    await backend.launch(100, 0, [use(0)]);
    await backend.launch(101, 0, [use(0)]);
    await expect(backend.write(100, 0)).rejects.toThrow(/is paused/);
    await backend.cont(100);
    await backend.cont(101);
    for (const pid of [100, 101, 100]) await backend.write(pid, 0);
    expect(await backend.records()).toEqual([{ disk: 0, pid: 100 }, { disk: 0, pid: 101 },
      { disk: 0, pid: 100 }]);
    await backend.end(100, 'kill');
    expect(backend.alive(100)).toBe(false);
    // What a process wrote stays its own after it died (the map to model pids is kept).
    expect((await backend.records()).map((write) => write.pid)).toEqual([100, 101, 100]);
  });
});
