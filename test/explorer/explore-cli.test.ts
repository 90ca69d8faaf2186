import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-explore-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('lockchart explore: bad input is one line and a non-zero exit', () => {
  const cases: ReadonlyArray<[string[], RegExp]> = [
    [['explore', '--fault-budget', '9'], /--fault-budget must be an integer from 0 to 7, got '9'/],
    [['explore', '--workload', '15'], /--workload must be an integer from 0 to 14/],
    [['explore', '--workload', 'lots'], /--workload must be a non-negative integer/],
    [['explore', '--hosts', '0'], /--hosts must be an integer from 1 to 8/],
    [['explore', '--domains', '99'], /--domains must be an integer from 1 to 16/],
    [['explore', '--faults', 'meteor'], /--faults: unknown fault 'meteor'/],
    [['explore', '--invariants', 'S99'], /--invariants: unknown invariant 'S99'/],
    [['explore', '--driver', 'zfs'], /unknown driver 'zfs'/],
    [['explore', '--layout', 'tiled'], /--layout: unknown layout 'tiled' \(known: plain, cluster,/],
    [['explore', '--bogus'], /explore: Unknown option '--bogus'/],
    [['explore', 'extra'], /explore: unexpected argument 'extra'/],
    [['matrix', '--exhaustive', '--workload', '99'], /--workload must be an integer from 0 to 14/],
    [['explore', '--workers', '0'], /--workers must be an integer from 1 to 64, got '0'/],
    [['matrix', '--shards', '2'], /--shards shards an exhaustive cell: use it with --exhaustive/],
  ];
  for (const [argv, message] of cases) {
    it(`lockchart ${argv.join(' ')}`, async () => {
      const { code, err } = await cli(...argv);
      expect(code).not.toBe(0);
      expect(err).toMatch(message);
      expect(err.trim().split('\n')).toHaveLength(1);
    });
  }
});

describe('lockchart explore', () => {
  it('finds the shortest violation, writes it as a trace, and replay accepts it', async () => {
    const trace = join(dir, 'daemon-crash.jsonl');
    const run = await cli('explore', '--faults', 'daemon-crash', '--trace', trace);
    expect(run.code).toBe(129);
    expect(run.out).toMatch(/VIOLATED S2 run-holds-locks after \d+ steps \(shortest\)/);
    expect(run.out).toMatch(/FAULT daemon-crash h\d/);
    expect(existsSync(trace)).toBe(true);
    const replay = await cli('replay', trace);
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/every world digest matches/);
    expect(replay.out).toMatch(/violated S2/);
  });

  it('reports counts, bounds, speed, memory, coverage and the breakdown as JSON', async () => {
    const run = await cli('explore', '--faults', 'process-crash', '--fault-budget', '1',
      '--workload', '2', '--json');
    const report = JSON.parse(run.out);
    expect(report.verdict).toBe('safe');
    expect(run.code).toBe(report.liveness ? 128 : 0);
    expect(report.exhausted).toBe(true);
    expect(report.states).toBeGreaterThan(10);
    expect(report.transitions).toBeGreaterThan(report.states);
    expect(report.symmetry).toBe(4);
    expect(report.bytesPerState).toBeGreaterThan(0);
    const states = report.coverage.domainStates;
    expect(states.total).toBeGreaterThan(states.missing.length);
    expect(report.coverage.faultCells.missing.every((cell: string) =>
      cell.startsWith('process-crash × '))).toBe(true);
    expect(report.breakdown.depth.reduce((a: number, b: number) => a + b, 0)).toBe(report.states);
    const plain = JSON.parse((await cli('explore', '--faults', 'process-crash',
      '--fault-budget', '1', '--workload', '2', '--no-symmetry', '--json')).out);
    expect(plain.symmetry).toBe(1);
    expect(plain.states).toBeGreaterThan(report.states);
  });

  it('takes a layout where two VMs hold one disk at once', async () => {
    const run = await cli('explore', '--layout', 'cluster', '--workload', '3', '--json');
    const report = JSON.parse(run.out);
    expect(report.exhausted).toBe(true);
    const plain = JSON.parse((await cli('explore', '--workload', '3', '--json')).out);
    expect(report.states).not.toBe(plain.states);
  });

  it('on worker threads, reports what it reports in one thread, and writes the same trace',
    async () => {
      const argv = ['explore', '--faults', 'path-alias', '--fault-budget', '1', '--workload', '3',
        '--no-coverage', '--json'];
      const traces = [join(dir, 'one.jsonl'), join(dir, 'two.jsonl')];
      const one = await cli(...argv, '--trace', traces[0]!);
      const two = await cli(...argv, '--workers', '2', '--trace', traces[1]!);
      expect(two.code).toBe(one.code);
      const pick = (run: { out: string }) => {
        const { seconds: _s, statesPerSecond: _r, bytesPerState: _b, heapBytes: _h, trace: _t,
          ...rest } = JSON.parse(run.out);
        return rest;
      };
      expect(pick(two)).toEqual(pick(one));
      expect(pick(two).violation.invariant).toBe('S1');
      const replay = await cli('replay', traces[1]!);
      expect(replay.out).toMatch(/every world digest matches/);
    }, 60_000);

  it('says when a bound stopped it short of exhaustion', async () => {
    const run = await cli('explore', '--depth', '3', '--no-coverage');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/stopped at depth 3: deeper behaviours were not explored/);
    expect(run.out).toMatch(/no violation so far/);
  });

  it('is listed by lockchart --help', async () => {
    expect((await cli('--help')).out).toMatch(/explore +explore a small world exhaustively/);
  });
});
