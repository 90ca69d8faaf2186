/**
 * `lockchart conform --driver sanlock` with no socket: it starts a private real daemon, runs the
 * whole suite through the sanlock driver, and leaves no daemon or directory behind.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { describeSanlock } from './sanlock-support.ts';

describeSanlock('lockchart conform --driver sanlock', () => {
  it('passes every check against a private daemon, and cleans up', async () => {
    const leftovers = () => readdirSync(tmpdir()).filter((name) => name.startsWith('lockchart-conform-leases-'));
    const before = leftovers();
    const run = await cli('conform', '--driver', 'sanlock', '--json');
    const report = JSON.parse(run.out) as { passed: boolean; checks: { verdict: string }[] };
    expect(report.checks.length).toBeGreaterThan(10);
    expect(report.checks.filter((check) => check.verdict === 'fail')).toEqual([]);
    expect(run.code).toBe(0);
    expect(leftovers()).toEqual(before);
  }, 240_000);
});
