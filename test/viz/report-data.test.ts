/**
 * The report's embedded data against an independent replay: for every step, every lane's
 * decoded value must say what the world after that step says (domain and process statecharts,
 * grants by daemon and by disk, lock calls in flight).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskGrants } from '../../sim/checkers/grants.ts';
import { contextFor } from '../../sim/run/replay.ts';
import { applyStep } from '../../sim/world/apply.ts';
import { createWorld } from '../../sim/world/setup.ts';
import type { World } from '../../sim/world/types.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import { activePaths } from '../../viz/active.ts';
import { collectReport } from '../../viz/report/collect.ts';
import { deltaDecode, deltaEncode } from '../../viz/report/encode.ts';
import type { ReportData } from '../../viz/report/model.ts';
import { truncatedCopy, violatingTrace, type TraceFixture } from './trace-fixtures.ts';

let dir: string;
let fixture: TraceFixture;
let data: ReportData;
let worlds: World[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lockchart-report-data-'));
  fixture = await violatingTrace(dir);
  data = collectReport(fixture.trace, fixture.driver, 'test');
  const ctx = contextFor(fixture.trace.header, fixture.driver);
  let world = createWorld(ctx, fixture.trace.header.definitions);
  worlds = fixture.trace.steps.map((record) => {
    world = applyStep(ctx, world, record.step)!.world;
    return world;
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decodes one lane's value at a step, as the page does. */
function valueAt(lane: number, step: number): { value: unknown; pid: number } {
  const segments = data.segments[lane]!;
  const starts = deltaDecode(segments.starts);
  let at = -1;
  for (let i = 0; i < starts.length && starts[i]! <= step; i++) at = i;
  expect(at, `lane ${lane} has a value at step ${step}`).toBeGreaterThanOrEqual(0);
  const kind = data.lanes[lane]!.kind;
  const pids = segments.pids ? deltaDecode(segments.pids) : [];
  return { value: data.tables[kind][segments.values[at]!], pid: pids[at] ?? 0 };
}

describe('report data', () => {
  it('has a lane per host, per VM on each host (domain and QEMU), per daemon and per disk', () => {
    const { hosts, vms, disks } = fixture.trace.header.shape;
    expect(data.lanes).toHaveLength(hosts * (2 + 2 * vms) + disks);
    expect(data.steps).toBe(fixture.trace.steps.length);
    expect(data.verdict.kind).toBe('violated');
    expect(data.verdict.violation).toEqual(fixture.trace.end!.violation);
  });

  it('reproduces every domain and process statechart of the replayed world, step by step', () => {
    const hosts = fixture.trace.header.shape.hosts;
    worlds.forEach((world, step) => {
      data.lanes.forEach((lane, index) => {
        const slot = lane.vm * hosts + lane.host;
        if (lane.kind === 'domain') {
          const state = data.domainStates[valueAt(index, step).value as number]!;
          expect(state.paths, `${lane.label}@h${lane.host} at step ${step}`)
            .toEqual(activePaths(world.domains[slot]!.snapshot.value));
        } else if (lane.kind === 'proc') {
          const { value, pid } = valueAt(index, step);
          const proc = world.procs.find((p) => p.vm === lane.vm && p.host === lane.host);
          const died = value !== null && (value as number[])[2] === 1;
          if (proc && !died) {
            expect(pid).toBe(proc.pid);
            expect(data.processStates[(value as number[])[0]!]!.paths)
              .toEqual(activePaths(proc.actor.snapshot.value));
          } else if (!proc) {
            expect(value === null || died, `no QEMU for ${lane.label}@h${lane.host}`).toBe(true);
          }
        }
      });
    });
  });

  it('reproduces the grants of every daemon and every disk, and the calls in flight', () => {
    const ctx = contextFor(fixture.trace.header, fixture.driver);
    worlds.forEach((world, step) => {
      const grants = diskGrants(ctx, world.service);
      data.lanes.forEach((lane, index) => {
        const { value } = valueAt(index, step);
        if (lane.kind === 'disk') {
          const holders = grants.filter((g) => g.disk === lane.disk)
            .map((g) => [g.owner, g.host, g.mode === 'exclusive' ? 'X' : 'S']);
          expect((value as unknown[])[0], `disk${lane.disk} at ${step}`).toEqual(holders);
        } else if (lane.kind === 'lockd') {
          const held = grants.filter((g) => g.host === lane.host && g.disk !== undefined)
            .map((g) => [g.disk, g.owner, g.mode === 'exclusive' ? 'X' : 'S']);
          expect(value).toEqual([world.hosts[lane.host]!.daemonEpoch, ...held]);
        } else if (lane.kind === 'host') {
          const calls = world.pending.filter((c) => c.host === lane.host);
          expect((value as unknown[]).length - 1).toBe(calls.length);
        }
      });
    });
  });

  it('keeps changes only: no lane has two segments in a row with the same value', () => {
    for (const segments of data.segments) {
      const values = segments.values;
      const pids = segments.pids ? deltaDecode(segments.pids) : values.map(() => 0);
      for (let i = 1; i < values.length; i++) {
        expect(values[i] !== values[i - 1] || pids[i] !== pids[i - 1]).toBe(true);
      }
    }
  });

  it('marks every fault and write, and lists the events each step delivered', () => {
    const faults = fixture.trace.steps.filter((s) => s.step.kind === 'fault').map((s) => s.i);
    expect(data.faults.map(([step]) => step).filter((step) => faults.includes(step)))
      .toEqual(faults);
    const writes = fixture.trace.steps.filter((s) => s.step.kind === 'write').map((s) => s.i);
    expect(data.writes.map(([step]) => step)).toEqual(writes);
    expect(data.eventCounts.reduce((a, b) => a + b, 0) * 2).toBe(data.events.length);
    const first = fixture.trace.steps[0]!.step;
    expect(first.kind).toBe('call');
    expect(data.texts[data.events[1]!]).toBe('domain.start');
  });

  it('shows a truncated trace as its prefix, flagged', () => {
    const path = truncatedCopy(fixture, dir, 12);
    const trace = readTraceFile(path);
    const prefix = collectReport(trace, fixture.driver, 'cut');
    expect(prefix).toMatchObject({ steps: 12, truncated: true, ended: false });
    expect(prefix.verdict.kind).toBe('unfinished');
    prefix.segments.forEach((segments, lane) => {
      const full = data.segments[lane]!;
      const kept = deltaDecode(full.starts).filter((start) => start < 12).length;
      expect(deltaDecode(segments.starts)).toEqual(deltaDecode(full.starts).slice(0, kept));
      expect(segments.values).toEqual(full.values.slice(0, kept));
    });
  });
});

describe('delta encoding', () => {
  it('decodes what it encodes', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 })), (values) => {
      expect(deltaDecode(deltaEncode(values))).toEqual(values);
    }));
  });
});
