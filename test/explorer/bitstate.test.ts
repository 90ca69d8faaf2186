/**
 * Bitstate mode (`sim/explorer/bitstate.ts`): a partial search whose count never exceeds the
 * exact one, that reaches the exact verdict when the bits are ample, that loses states (and
 * says so in its coverage estimate) when they are not, and whose findings are real.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { BitstateSet } from '../../sim/explorer/bitstate.ts';
import { explore } from '../../sim/explorer/explore.ts';
import { exploreParallel } from '../../sim/explorer/parallel/coordinator.ts';
import { Visit } from '../../sim/explorer/visited.ts';
import { Prng } from '../../sim/prng.ts';
import { cli } from '../helpers/cli.ts';

const shape = { hosts: 2, vms: 2, disks: 2 };

describe('the bit array', () => {
  it('stores no more than it was given, and its estimate falls as it fills', () => {
    const prng = new Prng(7);
    const bits = new BitstateSet(1024);
    const estimates: number[] = [];
    let added = 0;
    for (let i = 0; i < 4000; i++) {
      if (bits.visit(prng.int(2 ** 31) | 0, prng.int(2 ** 31) | 0, 0, 0) === Visit.New) added++;
      if (i % 1000 === 999) estimates.push(bits.report().coverage);
    }
    expect(bits.size).toBe(added);
    expect(bits.size).toBeLessThan(4000);
    expect(estimates.every((e, i) => i === 0 || e < estimates[i - 1]!)).toBe(true);
    const report = bits.report();
    expect(report.fill).toBeGreaterThan(0.5);
    expect(report.omission).toBeCloseTo(report.fill ** 3, 10);
  });

  it('keeps dominance by budgets: a visit with more used is known, with less is better', () => {
    const bits = new BitstateSet(1 << 16);
    expect(bits.visit(11, 22, 2, 1)).toBe(Visit.New);
    expect(bits.visit(11, 22, 3, 1)).toBe(Visit.Known);
    expect(bits.visit(11, 22, 2, 2)).toBe(Visit.Known);
    expect(bits.visit(11, 22, 1, 1)).toBe(Visit.Better);
    expect(bits.visit(11, 22, 3, 0)).toBe(Visit.Better);
    expect(bits.size).toBe(1);
  });
});

describe('a bitstate exploration', () => {
  it('with ample bits, reaches the exact verdict and (nearly) the count; with few, fewer states,' +
    ' and says so',
    async () => {
      const driver = await resolveSimDriver('model');
      const options = { driver, shape, faults: ['process-crash', 'daemon-reexec'] as const,
        faultBudget: 1, workload: 3, coverage: false };
      const exact = explore({ ...options, faults: [...options.faults] });
      const ample = explore({ ...options, faults: [...options.faults], bitstate: 1 << 20 });
      expect(ample.states).toBeLessThanOrEqual(exact.states);
      expect(ample.states).toBeGreaterThan(exact.states * 0.99);
      expect(ample.violation).toBeNull();
      expect(ample.liveness?.violation.invariant).toBe(exact.liveness?.violation.invariant);
      expect(ample.exhausted).toBe(false);
      expect(ample.bitstate!.coverage).toBeGreaterThan(0.999);
      const scarce = explore({ ...options, faults: [...options.faults], bitstate: 256 });
      expect(scarce.states).toBeLessThan(exact.states);
      expect(scarce.bitstate!.coverage).toBeLessThan(ample.bitstate!.coverage);
      expect(scarce.bitstate!.fill).toBeGreaterThan(ample.bitstate!.fill);
      // Sharded, the shards split the bits: still a lower bound.
      const sharded = await exploreParallel({ ...options, faults: [...options.faults],
        bitstate: 1 << 20, workers: 2, inThread: true });
      expect(sharded.states).toBeLessThanOrEqual(exact.states);
      expect(sharded.bitstate!.bits).toBe(ample.bitstate!.bits);
    });

  it('finds the violation the exact search finds, as short, and replays it', async () => {
    const driver = await resolveSimDriver('model');
    const options = { driver, shape, faults: ['daemon-crash'] as const, faultBudget: 2,
      workload: 4, coverage: false };
    const exact = explore({ ...options, faults: [...options.faults] });
    const bits = explore({ ...options, faults: [...options.faults], bitstate: 1 << 18 });
    expect(bits.violation?.violation.invariant).toBe(exact.violation!.violation.invariant);
    expect(bits.violation!.steps).toEqual(exact.violation!.steps);
  });

  it('prints its coverage estimate', async () => {
    const run = await cli('explore', '--faults', 'process-crash', '--fault-budget', '1',
      '--workload', '2', '--bitstate', '1', '--no-coverage');
    expect(run.out).toMatch(/bitstate +8,388,608 bits \(1\.0 MB\), k = 3; [\d.]+% set/);
    expect(run.out).toMatch(/coverage est +[\d.]+% of the states \(Holzmann's estimate/);
    expect(run.out).toMatch(/frontier empty: a bitstate search, partial/);
    expect(run.out).toMatch(/no violation so far/);
  });
});
