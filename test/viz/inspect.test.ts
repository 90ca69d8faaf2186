/**
 * Live inspection: `--inspect FILE` writes XState-style events for every domain and QEMU
 * statechart of a simulated run (the simulator steps machines purely, so lockchart emits them
 * from the events each step delivered); `--inspect ws://…` streams the same events to a Stately
 * inspector; and the same JSON-lines writer serves the API faces' manager statecharts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { LockManagerPlugin } from '../../api/plugin.ts';
import { RfcPlugin } from '../../api/rfc.ts';
import { modelSupervisor } from '../../api/supervisor.ts';
import { identity } from '../../contract/identity.ts';
import {
  AcquireFlags, FailureAction, ObjectType, ResourceType, RfcObjectType,
} from '../../contract/flags.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import { toParamList } from '../../contract/params.ts';
import { processMachine } from '../../machines/process.machine.ts';
import { replayStrict } from '../../sim/run/replay.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import type { InspectionRecord } from '../../viz/inspect/events.ts';
import { hostObserver } from '../../viz/inspect/host-observer.ts';
import { openJsonlInspection } from '../../viz/inspect/jsonl.ts';
import { cli } from '../helpers/cli.ts';
import { violatingTrace, type TraceFixture } from './trace-fixtures.ts';

let dir: string;
let fixture: TraceFixture;
let simArgs: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lockchart-inspect-'));
  fixture = await violatingTrace(dir);
  simArgs = ['sim', '--seed', String(fixture.seed), '--steps', '600', '--faults',
    fixture.trace.header.faults.join(',')];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readRecords = (path: string): InspectionRecord[] =>
  readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));

describe('lockchart sim --inspect FILE', () => {
  it('changes nothing in the run: the trace is byte for byte the same', async () => {
    const plain = join(dir, 'plain.jsonl');
    const inspected = join(dir, 'inspected.jsonl');
    await cli(...simArgs, '--trace', plain);
    const run = await cli(...simArgs, '--trace', inspected, '--inspect', join(dir, 'i.jsonl'));
    expect(run.code).toBe(129);
    expect(readFileSync(inspected, 'utf8')).toBe(readFileSync(plain, 'utf8'));
  });

  it('announces each actor, then pairs each event with the snapshot after it', async () => {
    const file = join(dir, 'events.jsonl');
    await cli(...simArgs, '--inspect', file);
    const records = readRecords(file);
    const known = new Set<string>();
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (record.type === '@xstate.actor') {
        known.add(record.sessionId);
        continue;
      }
      expect(known.has(record.sessionId), `${record.sessionId} announced first`).toBe(true);
      if (record.type === '@xstate.event') {
        const next = records[i + 1]!;
        expect(next).toMatchObject({ type: '@xstate.snapshot', sessionId: record.sessionId,
          event: record.event });
      }
    }
    const { hosts, vms } = fixture.trace.header.shape;
    const domains = records.filter((r) => r.type === '@xstate.actor' && r.name === 'domain');
    expect(domains.length).toBeGreaterThanOrEqual(hosts * vms);
    const processes = records.filter((r) => r.type === '@xstate.actor' && r.name === 'process');
    expect(processes.every((r) => r.type === '@xstate.actor' && r.parentId !== null)).toBe(true);
    const types = new Set(records.flatMap((r) =>
      (r.type === '@xstate.event' ? [r.event.type] : [])));
    expect(types).toContain('domain.start');
    expect(types).toContain('xstate.done.actor.registerOwner');
    expect([...types].some((t) => t.startsWith('xstate.error.actor.'))).toBe(true);
    expect(types).toContain('process.exec');
  });

  it('ends with every actor in the state the replayed world has', async () => {
    const file = join(dir, 'final.jsonl');
    const trace = join(dir, 'final-trace.jsonl');
    await cli(...simArgs, '--inspect', file, '--trace', trace);
    const world = replayStrict(readTraceFile(trace), fixture.driver).session.world;
    const last = new Map<string, InspectionRecord>();
    for (const record of readRecords(file)) {
      if (record.type !== '@xstate.event') last.set(record.sessionId, record);
    }
    const names = fixture.trace.header.definitions.map((d) => d.name);
    const hosts = world.hosts.length;
    world.domains.forEach((domain, slot) => {
      const base = `${names[Math.floor(slot / hosts)]}@h${slot % hosts}`;
      const sessions = [...last.keys()].filter((id) => id === base || id.startsWith(`${base}#`));
      const current = last.get(sessions.sort((a, b) => incarnation(a) - incarnation(b)).at(-1)!)!;
      expect(current.type === '@xstate.event' ? null : current.snapshot.value, base)
        .toEqual(domain.snapshot.value);
    });
    for (const proc of world.procs) {
      const record = last.get(`qemu:${proc.pid}`)!;
      expect(record.type === '@xstate.event' ? null : record.snapshot.value)
        .toEqual(proc.actor.snapshot.value);
    }
  });

  it('refuses an unreachable inspector in one line', async () => {
    const port = await freePort();
    const run = await cli('sim', '--inspect', `ws://127.0.0.1:${port}`);
    expect(run.code).toBe(2);
    expect(run.err.trim())
      .toMatch(/^lockchart: --inspect: ws:\/\/127\.0\.0\.1:\d+: cannot connect/);
    expect(run.err.trim().split('\n')).toHaveLength(1);
  });
});

function incarnation(sessionId: string): number {
  return Number(/#(\d+)$/.exec(sessionId)?.[1] ?? 1);
}

describe('lockchart sim --inspect ws://…', () => {
  it('streams the same events through a Stately inspector relay', async () => {
    const file = join(dir, 'same.jsonl');
    await cli(...simArgs, '--inspect', file);
    const expected = readRecords(file);
    const port = await freePort();
    const relay = spawn(process.execPath, ['--import', 'tsx', 'test/viz/fixtures/inspect-relay.ts',
      String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const received = collectLines(relay.stdout);
      await received.until((lines) => lines.includes('ready'));
      const run = await cli(...simArgs, '--inspect', `ws://127.0.0.1:${port}`);
      expect(run.code).toBe(129);
      const lines = await received.until((all) => all.length - 1 >= expected.length);
      const events = lines.filter((line) => line !== 'ready').map((line) => JSON.parse(line));
      expect(events.map((e) => [e.type, e.sessionId, e.event?.type ?? null]))
        .toEqual(expected.map((e) => [e.type, e.sessionId,
          e.type === '@xstate.actor' ? null : e.event.type]));
      const actor = events.find((e) => e.type === '@xstate.actor' && e.name === 'domain');
      expect(JSON.parse(actor.definition).id).toBe('domain');
    } finally {
      relay.kill();
    }
  });
});

describe('the JSON-lines writer on the API faces', () => {
  it('records the libvirt face manager, its calls and its snapshots', async () => {
    const file = join(dir, 'plugin.jsonl');
    const sink = openJsonlInspection(file);
    const plugin = await LockManagerPlugin.load(createModelDriver(),
      { observer: hostObserver(sink) });
    const first = await plugin.new(ObjectType.DOMAIN, toParamList({ ...identity(77), pid: 77 }), 0);
    const second = await plugin.new(ObjectType.DOMAIN,
      toParamList({ ...identity(78), pid: 78 }), 0);
    await plugin.addResource(first, ResourceType.DISK, '/var/lib/libvirt/images/a.img', [], 0);
    await plugin.acquire(first, null, AcquireFlags.REGISTER_ONLY, FailureAction.DEFAULT);
    await plugin.free(first);
    await sink.close();
    const records = readRecords(file);
    const managers = records.filter((r) => r.type === '@xstate.actor' && r.name === 'manager');
    expect(managers.map((r) => r.sessionId)).toEqual(['manager:1', 'manager:2']);
    const events = eventsOf(records, 'manager:1');
    expect(events).toEqual(expect.arrayContaining(['resource.add', 'acquire', 'free']));
    expect(eventsOf(records, 'manager:2')).toEqual([]);
    expect(lastSnapshot(records, 'manager:1')?.status).toBe('done');
    expect(lastSnapshot(records, 'manager:1')?.value)
      .toEqual(first.snapshot.value);
    expect(second.snapshot.status).toBe('active');
  });

  it('records the RFC face manager with its resource and process children', async () => {
    const file = join(dir, 'rfc.jsonl');
    const sink = openJsonlInspection(file);
    const driver = createModelDriver();
    const plugin = await RfcPlugin.load(driver, { supervisor: modelSupervisor({ driver }) });
    const manager = await plugin.newManager(RfcObjectType.START_DOMAIN, 0,
      { observer: hostObserver(sink) });
    const { id, uuid, name } = identity(5);
    await manager.setParameter('id', id);
    await manager.setParameter('uuid', uuid);
    await manager.setParameter('name', name);
    await manager.start();
    await manager.acquireResource(ResourceType.DISK, '/var/lib/libvirt/images/b.img', 0);
    await manager.shutdown();
    await sink.close();
    const records = readRecords(file);
    const children = records.filter((r) =>
      r.type === '@xstate.actor' && r.parentId === 'manager:1');
    expect(children.map((r) => r.type === '@xstate.actor' && r.name)).toEqual(
      expect.arrayContaining(['resource', 'process']));
    for (const child of children) expect(child.sessionId.startsWith('manager:1/')).toBe(true);
    expect(eventsOf(records, 'manager:1')).toEqual(expect.arrayContaining(['start', 'shutdown']));
    expect(lastSnapshot(records, 'manager:1')?.value).toEqual(manager.snapshot.value);
  });
});

describe('the JSON-lines writer on XState actors', () => {
  it('takes XState\'s own inspection events through its inspect observer', async () => {
    const file = join(dir, 'xstate.jsonl');
    const sink = openJsonlInspection(file);
    const actor = createActor(processMachine, { inspect: sink.inspect }).start();
    actor.send({ type: 'process.start' });
    actor.send({ type: 'process.exec' });
    actor.stop();
    await sink.close();
    const records = readRecords(file);
    const root = records.find((r) => r.type === '@xstate.actor');
    expect(root).toMatchObject({ name: 'process', parentId: null });
    expect(eventsOf(records, root!.sessionId)).toEqual(['xstate.init', 'process.start',
      'process.exec']);
    expect(lastSnapshot(records, root!.sessionId)?.value).toEqual({ alive: 'paused' });
  });
});

const eventsOf = (records: readonly InspectionRecord[], sessionId: string) =>
  records.flatMap((r) => (r.type === '@xstate.event' && r.sessionId === sessionId
    ? [r.event.type] : []));

const lastSnapshot = (records: readonly InspectionRecord[], sessionId: string) =>
  records.filter((r) => r.type === '@xstate.snapshot' && r.sessionId === sessionId)
    .map((r) => (r.type === '@xstate.snapshot' ? r.snapshot : null)).at(-1);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function collectLines(stream: NodeJS.ReadableStream) {
  const lines: string[] = [];
  let partial = '';
  let wake: (() => void) | null = null;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    wake?.();
  });
  return {
    async until(done: (lines: readonly string[]) => boolean, ms = 15_000): Promise<string[]> {
      const deadline = Date.now() + ms;
      while (!done(lines)) {
        if (Date.now() > deadline) throw new Error(`timed out with ${lines.length} lines`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return lines;
    },
  };
}
