/**
 * `lockchart merge` validates what it joins — every shard once, one set of parameters,
 * well-formed cells with known verdicts — and prints the cells in the unsharded matrix's order,
 * so a merged run and the unsharded one diff as equal.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MATRIX = ['matrix', '--drivers', 'nop,model', '--faults', 'none,daemon-crash,process-kill',
  '--seeds', '2', '--steps', '300', '--no-real', '--workers', '1', '--traces', join(dir, 'traces')];
const shard = (i: number, n: number) => join(dir, `shard-${i}-of-${n}.json`);
let whole = '';

beforeAll(async () => {
  const unsharded = await cli(...MATRIX, '--json', '--out', join(dir, 'whole.json'));
  expect(unsharded.code).toBe(0);
  whole = unsharded.out;
  for (const i of [1, 2, 3]) {
    expect((await cli(...MATRIX, '--shard', `${i}/3`, '--out', shard(i, 3))).code).toBe(0);
  }
  expect((await cli(...MATRIX.map((arg) => (arg === '300' ? '200' : arg)), '--shard', '2/3',
    '--out', join(dir, 'other-steps.json'))).code).toBe(0);
}, 120_000);

function edited(name: string, edit: (report: any) => void): string {
  const report = JSON.parse(readFileSync(shard(1, 3), 'utf8'));
  edit(report);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(report));
  return path;
}

describe('lockchart merge', () => {
  it('shards merged in any order print what the unsharded run prints', async () => {
    const merged = await cli('merge', shard(3, 3), shard(1, 3), shard(2, 3), '--json');
    expect(merged.code).toBe(0);
    expect(merged.out).toBe(whole);
  });

  const refusals: ReadonlyArray<[string, () => string[], RegExp]> = [
    ['a missing shard', () => [shard(1, 3), shard(3, 3)],
      /^lockchart: shard 2\/3 missing: the merge would lack their cells \(of 6\)$/],
    ['a duplicate shard', () => [shard(1, 3), shard(2, 3), shard(2, 3), shard(3, 3)],
      /shard-2-of-3\.json: shard 2\/3 is given twice \(also .*shard-2-of-3\.json\)$/],
    ['shards run with other parameters', () => [shard(1, 3), join(dir, 'other-steps.json'), shard(3, 3)],
      /other-steps\.json: run with other parameters than .*shard-1-of-3\.json \(steps: 300 vs 200\); shards of one matrix share every option but --shard$/],
    ['a malformed cell', () => [edited('malformed.json', (r) => { r.cells[0].seeds = 'two'; }),
      shard(2, 3), shard(3, 3)], /malformed\.json: cell 0 \(nop × none\): 'seeds' must be a count$/],
    ['an unknown verdict', () => [edited('verdict.json', (r) => { r.cells[1].verdict = 'probably'; }),
      shard(2, 3), shard(3, 3)], /verdict\.json: cell 1 \(.*\): unknown verdict "probably" \(safe, violated or n\/a\)$/],
    ['a cell of another shard', () => [edited('foreign.json', (r) => { r.cells[0].fault = 'daemon-crash'; }),
      shard(2, 3), shard(3, 3)], /foreign\.json: cell nop × daemon-crash is not a cell of shard 1\/3$/],
    ['no params (an older report)', () => [edited('old.json', (r) => { delete r.params; }),
      shard(2, 3), shard(3, 3)], /old\.json: a matrix report without 'params'/],
  ];
  for (const [what, reports, message] of refusals) {
    it(`refuses ${what}: one line`, async () => {
      const run = await cli('merge', ...reports());
      expect(run.err.trim()).toMatch(message);
      expect(run.err.trim().split('\n')).toHaveLength(1);
      expect(run.out).toBe('');
      expect(run.code).toBe(2);
    });
  }
});
