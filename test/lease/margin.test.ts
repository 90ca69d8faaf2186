/**
 * `lockchart margin --driver lease`: the search finds, by running the simulator, the unsafe
 * region of sanlock without a watchdog (a daemon stopped host_dead − id_renewal or longer) and a
 * positive margin with fencing on (an observer's clock may be off by about a second), each next
 * to what sanlock's formulas predict — and a canary's broken timing has no margin at all.
 */
import { describe, expect, it } from 'vitest';
import { leaseModel } from '../../drivers/lease/model.ts';
import { searchMargin } from '../../sim/margin/search.ts';
import { cli } from '../helpers/cli.ts';

describe('lockchart margin', () => {
  it('finds the unsafe region of -w 0: a pause of host_dead − id_renewal breaks exclusion', () => {
    const found = searchMargin(leaseModel as never, { io_timeout: 1, use_watchdog: 0 });
    // 68 s host_dead, silent from just before a renewal: 66 s (+ the probe's few ms of start).
    expect(found.pauseMs).toBeGreaterThanOrEqual(66_000);
    expect(found.pauseMs).toBeLessThan(66_050);
    expect(found.jumpMs).toBe(0);
  });

  it('finds a positive margin with fencing on, whatever the pause', () => {
    for (const io of [1, 10]) {
      const found = searchMargin(leaseModel as never, { io_timeout: io });
      expect(found.pauseMs).toBeNull();
      expect(found.jumpMs).toBeGreaterThanOrEqual(1000);
      expect(found.jumpMs).toBeLessThan(1050);
      // host_dead / (fail − 1 s + fire): 68/67 at io 1, 140/139 at io 10.
      const predicted = io === 1 ? 68 / 67 : 140 / 139;
      expect(found.driftRate).toBeGreaterThanOrEqual(predicted - 1e-4);
      expect(found.driftRate).toBeLessThan(predicted + 2e-4);
    }
  });

  it('prints the margin next to the formula, and refuses what it cannot search', async () => {
    const run = await cli('margin', '--driver', 'lease', '--io-timeout', '1');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/daemon pause that breaks exclusion: +none up to 204\.000 s/);
    expect(run.out).toMatch(/safety margin: 1\.0\d\d s \(formula .*: 1\.000 s/);
    const unfenced = await cli('margin', '--driver', 'lease', '--io-timeout', '1', '--watchdog', 'off', '--json');
    expect(JSON.parse(unfenced.out)).toMatchObject({ driver: 'lease', formula: { pauseMs: 66_000 } });
    const canary = await cli('margin', '--driver', 'canary-lease-early-expiry');
    expect(canary.out).toMatch(/safety margin: none/);
    expect((await cli('margin', '--driver', 'model')).err).toMatch(/has no lease timing/);
    expect((await cli('margin', '--driver', 'lease', '--watchdog', 'maybe')).code).toBe(2);
    expect((await cli('margin', '--driver', 'lease', '--io-timeout', 'x')).err)
      .toMatch(/--io-timeout must be a non-negative integer/);
  });
});
