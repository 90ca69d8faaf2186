/**
 * `watchdog-off`: a host loses its watchdog. Alone it changes nothing; with a daemon that dies
 * (or stops) it removes the fencing that made that safe — the split brain reference sanlock.md
 * §6 observed with `kill -9` of a daemon running `-w 0`.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';
import { describeStep, readStep } from '../../sim/steps/index.ts';

describe('watchdog-off', () => {
  it('is a fault class like the others: listed, read, described', () => {
    expect(FAULT_NAMES).toContain('watchdog-off');
    expect(describeStep(readStep({ kind: 'fault', fault: 'watchdog-off', host: 0 })))
      .toBe('FAULT watchdog-off h0');
    expect(() => readStep({ kind: 'fault', fault: 'watchdog-off' })).toThrow(/'host'/);
  });

  it('turns a fenced daemon kill into split brain (scenarios)', async () => {
    for (const [file, found] of [['lease-daemon-kill-fenced', 'safe'],
      ['lease-daemon-kill-no-watchdog', 'violated S4']]) {
      const result = await runScenario(loadScenario(`scenarios/${file}.scenario`));
      expect(result.passed, result.message).toBe(true);
      expect(result.found).toBe(found);
    }
  });

  it('alone is safe in the lease row; with process-pause it is not; n/a for an untimed driver', async () => {
    const cell = { fault: 'watchdog-off' as const, seeds: 4, steps: 1000, firstSeed: 1, traceDir: null };
    expect((await runCell({ ...cell, driver: 'lease' })).verdict).toBe('safe');
    const paired = await runCell({ ...cell, driver: 'lease', faults: ['watchdog-off', 'process-pause'],
      seeds: 60, shrink: false }); // the first seed whose pause outlasts host_dead is 52
    expect(paired.verdict).toBe('violated');
    expect((await runCell({ ...cell, driver: 'nop' })).verdict).toBe('n/a');
  });
});
