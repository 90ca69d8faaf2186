/**
 * The example plugins (`examples/`, docs/plugins.md) through every command that takes a driver:
 * a service model (atomic-table) and a LockDriver written from the docs (lease-file).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { REPO } from '../helpers/spawn-cli.ts';

const MODEL = 'examples/atomic-table-model.ts';
const DRIVER = 'examples/lease-file-driver.ts';
const dir = mkdtempSync(join(tmpdir(), 'lockchart-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the service-model example (atomic-table)', () => {
  it('passes conform, in memory', async () => {
    const run = await cli('conform', '--driver', MODEL);
    expect(run.out).toMatch(/^conformance \(atomic-table from examples\/atomic-table-model\.ts\)/);
    expect(run.out).toMatch(/all checks passed/);
    expect(run.code).toBe(0);
  });

  it('simulates, and its trace replays and shrinks only with --driver', async () => {
    const trace = join(dir, 'atomic.jsonl');
    const sim = await cli('sim', '--driver', MODEL, '--seed', '3', '--faults', 'daemon-crash',
      '--trace', trace);
    expect(sim.code).toBe(129);
    expect(sim.out).toMatch(/SEED=3 driver=atomic-table .*\n.*\n {2}VIOLATED S2/);
    expect(sim.out).toContain(`lockchart replay ${trace} --driver ${MODEL}`);
    const refused = await cli('replay', trace);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/names driver 'atomic-table', which is not built in.*pass --driver PATH/);
    expect((await cli('replay', trace, '--driver', MODEL)).code).toBe(0);
    const shrunk = join(dir, 'atomic.min.jsonl');
    const shrink = await cli('shrink', trace, '-o', shrunk, '--driver', MODEL);
    expect(shrink.code).toBe(0);
    expect(shrink.out).toContain(`(lockchart replay ${shrunk} --driver ${MODEL})`);
  });

  it('explores exhaustively; the counterexample replays with the --driver it prints', async () => {
    const trace = join(dir, 'explored.jsonl');
    const run = await cli('explore', '--driver', MODEL, '--faults', 'daemon-crash', '--trace', trace);
    expect(run.code).toBe(129);
    expect(run.out).toContain(`(lockchart replay ${trace} --driver ${MODEL})`);
    expect((await cli('replay', trace, '--driver', MODEL)).code).toBe(0);
  });

  it('runs in the matrix, whose replay commands name the module', async () => {
    const traces = join(dir, 'matrix-model');
    const run = await cli('matrix', '--drivers', MODEL, '--faults', 'none,daemon-crash',
      '--seeds', '3', '--steps', '400', '--traces', traces, '--json');
    expect(run.code).toBe(0);
    const cells = JSON.parse(run.out) as Array<{ driver: string; fault: string; verdict: string;
      detail: { replay?: string; trace?: string } }>;
    expect(cells.map((cell) => `${cell.driver} ${cell.fault} ${cell.verdict}`))
      .toEqual(['atomic-table none safe', 'atomic-table daemon-crash violated']);
    const violated = cells[1]!.detail;
    expect(violated.trace).toBe(join(traces, 'atomic-table-daemon-crash.trace.jsonl'));
    expect(violated.replay).toBe(`lockchart replay ${violated.trace} --driver ${MODEL}`);
    const replay = violated.replay!.split(' ').slice(1);
    expect((await cli(...replay)).code).toBe(0);
  });
});

describe('the LockDriver example (lease-file), written from the docs', () => {
  it('passes conform with real files and real owner processes', async () => {
    const run = await cli('conform', '--driver', DRIVER);
    expect(run.out).toMatch(/pass {2}owner-exit-releases/);
    expect(run.out).toMatch(/all checks passed/);
    expect(run.code).toBe(0);
  }, 60_000);

  it('runs in real mode against model-kernel with no finding, under faults', async () => {
    const trace = join(dir, 'lease.jsonl');
    const run = await cli('sim', '--real', '--driver', DRIVER, '--seed', '2', '--steps', '150',
      '--faults', 'process-kill,libvirtd-restart,partial-acquire,path-alias', '--trace', trace);
    expect(run.out).toMatch(/real mode: driver=lease-file checked against model 'model-kernel'/);
    expect(run.out).toMatch(/findings: none/);
    expect(run.code).toBe(0);
    // The model side replays like any model-kernel trace; the real side needs the module.
    expect(readFileSync(trace, 'utf8')).toMatch(/"driver":"model-kernel"/);
    expect((await cli('replay', trace)).code).toBe(0);
  }, 120_000);

  it('real mode finds where a broken copy of it diverges from the model', async () => {
    // The same driver with its conflict check removed: it grants what the model refuses.
    const broken = join(dir, 'broken-lease.ts');
    writeFileSync(broken, readFileSync(join(REPO, DRIVER), 'utf8')
      .replaceAll("'../", `'${REPO}`)
      .replace('if (lease !== null && !(lease.shared && shared)) {', 'if (lease === undefined) {'));
    const run = await cli('sim', '--real', '--driver', broken, '--seed', '1', '--steps', '300');
    expect(run.out).toMatch(/the model answers RESOURCE_BUSY, the real driver success/);
    expect(run.code).toBe(3);
  }, 120_000);

  it('appears in the matrix as real cells', async () => {
    const run = await cli('matrix', '--drivers', DRIVER, '--faults', 'none,process-kill,daemon-crash',
      '--real-steps', '40', '--traces', join(dir, 'matrix-driver'), '--json');
    expect(run.code).toBe(0);
    const cells = JSON.parse(run.out) as Array<{ driver: string; fault: string; verdict: string;
      findings?: string[] }>;
    expect(cells.map((cell) => `${cell.driver} ${cell.fault} ${cell.verdict}`)).toEqual([
      'lease-file none safe', 'lease-file process-kill safe', 'lease-file daemon-crash n/a']);
    expect(cells.every((cell) => cell.findings === undefined)).toBe(true);
  }, 120_000);
});
