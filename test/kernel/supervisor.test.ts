/**
 * Real supervised processes: the supervisor program and its VM stand-in, driven step by step
 * from outside (start, cont/stop, write N records, close a disk, SIGSTOP/SIGCONT, kill -9,
 * SIGINT), the records they leave on the disks, and the rule that nothing outlives anything:
 * not the stand-in its supervisor, nor either a test. (Killing the driver's own process is in
 * the slow tier: `test/slow/kernel-driver-process.test.ts`.)
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExitKind } from '../../contract/supervisor.ts';
import { identity } from '../../contract/identity.ts';
import type { KernelDriver } from '../../drivers/kernel/kernel-driver.ts';
import { identify, parentOf } from '../../system/process-identity.ts';
import { createPosixDriver } from '../../drivers/posix/driver.ts';
import { AgentDirectory } from '../../drivers/kernel/supervisor/agents.ts';
import {
  realSupervisor, type RealSupervisor, type VmPlan,
} from '../../drivers/kernel/supervisor/real-supervisor.ts';
import { readRecords, writerRuns } from '../../drivers/kernel/supervisor/records.ts';
import {
  ACQUIRE, eventually, loaded, objectFor, processCensus, sandbox, type Sandbox,
} from './helpers.ts';

let box: Sandbox;
let census: ReturnType<typeof processCensus>;
let agents: AgentDirectory;
let supervisor: RealSupervisor;
let posix: KernelDriver;
let exits: Array<[number, ExitKind]>;
let others: RealSupervisor[];

beforeEach(async () => {
  box = sandbox();
  census = processCensus();
  agents = new AgentDirectory();
  supervisor = realSupervisor({ agents });
  supervisor.onExit((pid, how) => exits.push([pid, how]));
  exits = [];
  others = [];
  posix = await loaded(createPosixDriver({ agents }));
});

afterEach(async () => {
  await Promise.all([supervisor, ...others].map((each) => each.killAll()));
  await posix.deinit();
  expect(census.fresh(), 'processes that outlived the test').toEqual([]);
  expect(box.locks(), 'kernel locks left on the test files').toEqual([]);
  box.cleanup();
});

/** A supervisor whose VM writes to `disks` (every `intervalMs` while running, if given). */
function withVm(plan: VmPlan): RealSupervisor {
  const each = realSupervisor({ agents, vm: () => plan });
  others.push(each);
  return each;
}

const gone = (pid: number | null) => eventually(() => pid === null || identify(pid) === null);

async function lockFor(pid: number, disk: string): Promise<void> {
  await posix.acquire(await objectFor(posix, pid, [[disk, 'exclusive']]), ACQUIRE);
}

describe('the supervisor and its VM stand-in', () => {
  it('starts from the argv the parameters give, with the stand-in as its child', async () => {
    const params = identity(41);
    const argv = supervisor.argv(params);
    expect(argv.slice(-6)).toEqual(['--id', '41', '--uuid', params.uuid, '--name', 'vm-41']);
    const pid = await supervisor.start(params);
    const vm = supervisor.process(pid)!.vmPid!;
    expect(supervisor.isAlive(pid)).toBe(true);
    expect(parentOf(vm)).toBe(pid);
    const cmdline = (p: number) => readFileSync(`/proc/${p}/cmdline`, 'utf8');
    expect(cmdline(pid).split('\0').slice(-7, -1)).toEqual(argv.slice(-6));
  });

  it('writes tagged records only while running, in order, past byte 4096', async () => {
    const [x, y] = [box.disk('x'), box.disk('y')];
    const owner = await withVm({ disks: [x, y] }).start(identity(2));
    const vm = agents.get(owner)!;
    await expect(vm.write(1)).rejects.toMatchObject({ code: 'OPERATION_FAILED' });
    expect(readRecords(x)).toEqual([]);
    await vm.cont();
    expect(await vm.write(3)).toBe(6);
    await vm.stop();
    await expect(vm.write(1)).rejects.toThrow(/paused/);
    expect(await vm.write(1, { force: true })).toBe(2);
    for (const disk of [x, y]) {
      const records = readRecords(disk);
      expect(records.map((r) => [r.owner, r.writer, r.seq])).toEqual(
        [1, 2, 3, 4].map((seq) => [owner, vm.vmPid, seq]));
      expect(records.every((r, i) => i === 0 || r.time > records[i - 1]!.time)).toBe(true);
    }
    await vm.closeDisk(1);
    await vm.cont();
    expect(await vm.write(1)).toBe(1);
    expect([readRecords(x).length, readRecords(y).length]).toEqual([5, 4]);
  });

  it('the reader tells who wrote a shared disk, in which order', async () => {
    const disk = box.disk('shared');
    const start = withVm({ disks: [disk] });
    const [a, b] = [await start.start(identity(1)), await start.start(identity(2))];
    const [va, vb] = [agents.get(a)!, agents.get(b)!];
    await va.cont();
    await vb.cont();
    await va.write(2);
    await vb.write(3);
    await va.write(1);
    expect(writerRuns(readRecords(disk)).map((run) => [run.owner, run.writer, run.count]))
      .toEqual([[a, va.vmPid, 2], [b, vb.vmPid, 3], [a, va.vmPid, 1]]);
  });

  it('a stand-in stopped with SIGSTOP writes nothing until SIGCONT', async () => {
    const disk = box.disk('x');
    const pid = await withVm({ disks: [disk], intervalMs: 2 }).start(identity(1));
    const vm = agents.get(pid)!;
    await vm.cont();
    expect(await eventually(() => readRecords(disk).length >= 5)).toBe(true);
    vm.signal('vm', 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const frozen = readRecords(disk).length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readRecords(disk).length).toBe(frozen);
    vm.signal('vm', 'SIGCONT');
    expect(await eventually(() => readRecords(disk).length > frozen + 3)).toBe(true);
  });
});

describe('nothing outlives anything', () => {
  it('kill -9 of the supervisor: its stand-in dies (EOF), its locks go, exit is kill', async () => {
    const disk = box.disk('x');
    const pid = await supervisor.start(identity(1));
    const vm = supervisor.process(pid)!.vmPid;
    await lockFor(pid, disk);
    expect(box.locks()).toHaveLength(1);
    await supervisor.kill(pid);
    expect(await gone(vm)).toBe(true);
    expect(supervisor.isAlive(pid)).toBe(false);
    expect(box.locks()).toEqual([]);
    expect(exits).toEqual([[pid, 'kill']]);
  });

  it('kill -9 of a supervisor whose stand-in is stopped kills the stand-in too', async () => {
    const pid = await supervisor.start(identity(1));
    const agent = supervisor.process(pid)!;
    const vm = agent.vmPid;
    agent.signal('vm', 'SIGSTOP');
    await supervisor.kill(pid);
    expect(await gone(vm)).toBe(true);
  });

  it('the stand-in dies: its supervisor dies with it and the kernel drops the locks', async () => {
    const disk = box.disk('x');
    const pid = await supervisor.start(identity(1));
    await lockFor(pid, disk);
    supervisor.process(pid)!.signal('vm', 'SIGKILL');
    expect(await eventually(() => !supervisor.isAlive(pid))).toBe(true);
    expect(exits).toEqual([[pid, 'crash']]);
    expect(box.locks()).toEqual([]);
  });

  it('SIGINT to a running supervisor tree ends all of it and leaves no lock', async () => {
    const disk = box.disk('x');
    const pid = await withVm({ disks: [disk], intervalMs: 2 }).start(identity(1));
    const agent = agents.get(pid)!;
    await lockFor(pid, disk);
    await agent.cont();
    const vm = agent.vmPid;
    process.kill(pid, 'SIGINT');
    expect(await agent.exited).toEqual({ code: 130, signal: null });
    expect(await gone(vm)).toBe(true);
    expect(box.locks()).toEqual([]);
    const written = readRecords(disk).length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readRecords(disk).length).toBe(written);
  });

  it('a failing start (no name) starts nothing', async () => {
    await expect(supervisor.start({ id: 1 })).rejects.toMatchObject({ code: 'INVALID_ARG' });
    expect(census.fresh()).toEqual([]);
  });
});

describe('counting what is left', () => {
  it('processes and kernel locks: counted during, none after, failures included', async () => {
    const [x, y] = [box.disk('x'), box.disk('y')];
    const before = { processes: census.fresh().length, locks: box.locks().length };
    const running = withVm({ disks: [x, y], intervalMs: 3 });
    const [a, b] = [await running.start(identity(1)), await running.start(identity(2))];
    await lockFor(a, x);
    // Deliberate failures: a partial acquire (y taken, x busy) and a start whose VM cannot open
    // its disk (the supervisor is started, then killed).
    const partial = await objectFor(posix, b, [[y, 'exclusive'], [x, 'exclusive']]);
    await expect(posix.acquire(partial, ACQUIRE)).rejects.toMatchObject({ code: 'RESOURCE_BUSY' });
    const broken = withVm({ disks: [`${box.dir}/missing.img`] });
    await expect(broken.start(identity(3))).rejects.toMatchObject({ code: 'SYSTEM_ERROR' });
    const during = { processes: census.fresh().length, locks: box.locks().length };
    expect(before).toEqual({ processes: 0, locks: 0 });
    expect(during).toEqual({ processes: 4, locks: 2 });
    await running.killAll();
    expect({ processes: census.fresh().length, locks: box.locks().length })
      .toEqual({ processes: 0, locks: 0 });
  });
});
