/** The terminal timeline (`lockchart replay --timeline`): one line per step, 100 columns. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainMachine } from '../../machines/domain.machine.ts';
import { faultOf } from '../../sim/steps.ts';
import { chartOf } from '../../viz/structure.ts';
import { diskCode, domainLetter, stripLine, wrapIndented } from '../../viz/timeline/strip.ts';
import { cli } from '../helpers/cli.ts';
import { truncatedCopy, violatingTrace, type TraceFixture } from './trace-fixtures.ts';

let dir: string;
let fixture: TraceFixture;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lockchart-timeline-'));
  fixture = await violatingTrace(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the state strip', () => {
  it('has a letter for every atomic state of the domain statechart', () => {
    const chart = chartOf(domainMachine);
    // A configuration's first leaf is never one of the devices region (vcpus comes first).
    const leaves = [...chart.states.values()].filter((s) => s.kind === 'atomic')
      .map((s) => s.path).filter((path) => !path.startsWith('active.devices.'));
    expect(leaves.length).toBeGreaterThan(10);
    for (const leaf of leaves) expect(domainLetter([leaf]), leaf).toMatch(/^[.sbxoiRPpr]$/);
  });

  it('codes a disk lock by mode and granting host, and flags a conflict', () => {
    expect(diskCode([])).toBe('--');
    expect(diskCode([{ mode: 'exclusive', host: 1 }])).toBe('X1');
    expect(diskCode([{ mode: 'shared', host: 0 }, { mode: 'shared', host: 2 }])).toBe('S*');
    expect(diskCode([{ mode: 'shared', host: 0 }, { mode: 'exclusive', host: 0 }])).toBe('!!');
  });

  it('never exceeds the width, however long the description and notes', () => {
    const layout = { hosts: 8, vms: 16, disks: 16, width: 100 };
    const line = stripLine(layout, { index: 123456, time: 99999999, mark: '*',
      description: 'x'.repeat(300), notes: ['y'.repeat(80)],
      letters: Array(8).fill('R'.repeat(16)), disks: Array(16).fill('X0') });
    expect(line.length).toBe(100);
    expect(line.endsWith('…')).toBe(true);
    for (const wrapped of wrapIndented('word '.repeat(60), 10)) {
      expect(wrapped.length).toBeLessThanOrEqual(100);
    }
  });
});

describe('lockchart replay --timeline', () => {
  it('prints one line per step, marks faults and the violation, and fits 100 columns', async () => {
    const run = await cli('replay', fixture.path, '--timeline');
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    const timeline = lines.slice(0, lines.findIndex((line) => line.startsWith('replayed ')));
    expect(timeline.length).toBeGreaterThan(fixture.trace.steps.length);
    for (const line of timeline) expect(line.length, line).toBeLessThanOrEqual(100);
    const stepLines = lines.filter((line) => /^[ *!Hw] +\d+ +\d+ms  /.test(line));
    expect(stepLines).toHaveLength(fixture.trace.steps.length);
    const violation = fixture.trace.end!.violation!.step;
    stepLines.forEach((line, i) => {
      const step = fixture.trace.steps[i]!.step;
      expect(Number(line.slice(1, 8)), line).toBe(i);
      if (i === violation) expect(line[0]).toBe('!');
      else if (faultOf(step)) expect(line[0]).toBe('*');
    });
    const after = lines[lines.indexOf(stepLines[violation]!) + 1]!;
    expect(after).toContain(`^ VIOLATED ${fixture.trace.end!.violation!.invariant}`);
    expect(run.out).toContain('every world digest matches');
  });

  it('shows the strip of the replayed world: a started VM is no longer shut off', async () => {
    const run = await cli('replay', fixture.path, '--timeline');
    const first = run.out.split('\n').find((line) => /^[ *!Hw] +0 /.test(line))!;
    const step = fixture.trace.steps[0]!.step as { vm: number; host: number };
    const strip = first.slice(20).split('  ')[0]!.split(' ');
    expect(strip[step.host]![step.vm]).toBe('s');
  });

  it('replays a truncated trace as its prefix and says so', async () => {
    const path = truncatedCopy(fixture, dir, 10);
    const run = await cli('replay', path, '--timeline');
    expect(run.code).toBe(0);
    const stepLines = run.out.split('\n').filter((line) => /^[ *!Hw] +\d+ +\d+ms/.test(line));
    expect(stepLines).toHaveLength(10);
    expect(run.out).toContain('its last line was cut off');
  });

  it('refuses --timeline with --json in one line', async () => {
    const run = await cli('replay', fixture.path, '--timeline', '--json');
    expect(run.code).toBe(2);
    expect(run.err.trim().split('\n')).toHaveLength(1);
  });
});
