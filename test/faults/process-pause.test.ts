/**
 * `process-pause`: the host's sanlock daemon stopped (SIGSTOP) past its lease. With the watchdog
 * the host is reset before another host may take its leases over; without it (the daemons of
 * this machine, `-w 0`) another host acquires while the first host's VM still runs.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';
import { describeStep, readStep } from '../../sim/steps/index.ts';

describe('process-pause', () => {
  it('is a fault class like the others: listed, read, described', () => {
    expect(FAULT_NAMES).toContain('process-pause');
    const step = readStep({ kind: 'fault', fault: 'process-pause', host: 1, ms: 70_000 });
    expect(describeStep(step)).toBe('FAULT process-pause h1 for 70 s');
    expect(() => readStep({ kind: 'fault', fault: 'process-pause', host: 1 }))
      .toThrow(/'ms' must be a non-negative integer/);
  });

  it('is fenced by the watchdog, and is split brain without it (scenarios)', async () => {
    for (const [file, found] of [['lease-pause-fenced', 'safe'], ['lease-pause-no-watchdog', 'violated S4']]) {
      const result = await runScenario(loadScenario(`scenarios/${file}.scenario`));
      expect(result.passed, result.message).toBe(true);
      expect(result.found).toBe(found);
    }
  });

  it('is safe in the lease row, violated without the watchdog, n/a for an untimed driver', async () => {
    const cell = { fault: 'process-pause' as const, seeds: 4, steps: 1000, firstSeed: 1, traceDir: null };
    expect((await runCell({ ...cell, driver: 'lease' })).verdict).toBe('safe');
    const unfenced = await runCell({ ...cell, driver: 'model-sanlock', shrink: false });
    expect(unfenced.verdict).toBe('violated');
    expect(['S2', 'S4']).toContain(unfenced.invariant);
    expect((await runCell({ ...cell, driver: 'model' })).verdict).toBe('n/a');
  });
});
