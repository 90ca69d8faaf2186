/**
 * `clock-jump`: a host's monotonic clock jumps forward. On the lease holder it brings its own
 * deadlines closer (a jump past id_renewal_fail_seconds fails its lease at once); on an observer
 * it shortens host_dead_seconds — by more than the fencing margin, another host takes a lease
 * over before the silent host's watchdog reset it.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';
import { describeStep, readStep } from '../../sim/steps/index.ts';

const HOLDER = ['driver lease', 'config io_timeout=1', 'hosts 2', 'disks 1',
  'vm web disk0:exclusive', 'expect safe',
  'start web@h0', 'complete web@h0 registerOwner', 'complete web@h0 acquireLocks'];

describe('clock-jump', () => {
  it('is a fault class like the others: listed, read, described', () => {
    expect(FAULT_NAMES).toContain('clock-jump');
    const step = readStep({ kind: 'fault', fault: 'clock-jump', host: 1, ms: 2000 });
    expect(describeStep(step)).toBe('FAULT clock-jump h1 +2 s');
    expect(() => readStep({ kind: 'fault', fault: 'clock-jump', host: 1, ms: -1 })).toThrow(/'ms'/);
  });

  it("on the holder's host: a jump past the renewal failure fails its lease, its VM is SIGTERMed", async () => {
    // `exit` is enabled only for a SIGTERMed QEMU: the step runs only if the daemon sent it.
    const jumped = await runScenario(parseScenario([...HOLDER, 'fault clock-jump h0 20s',
      'exit web@h0', 'assert process web@h0 dead'].join('\n'), 'jump.scenario'));
    expect(jumped.passed, jumped.message).toBe(true);
    await expect(runScenario(parseScenario([...HOLDER, 'fault clock-jump h0 2s',
      'exit web@h0'].join('\n'), 'small.scenario'))).rejects.toThrow(/small\.scenario:11: .*not enabled/);
  });

  it('on an observer: 2 s is past the 1 s fencing margin, 0.9 s is not', async () => {
    const file = 'scenarios/lease-clock-jump-early-takeover.scenario';
    const early = await runScenario(loadScenario(file));
    expect(early.passed, early.message).toBe(true);
    expect(early.found).toBe('violated S4');
    const scenario = loadScenario(file);
    const within = await runScenario({ ...scenario, expect: { verdict: 'safe' },
      actions: scenario.actions.map((entry) => (entry.action.type === 'step' &&
        entry.action.step.kind === 'fault' && 'ms' in entry.action.step
        ? { ...entry, action: { type: 'step' as const, step: { ...entry.action.step, ms: 900 } } }
        : entry)) });
    expect(within.found).toBe('safe');
  });

  it('is safe in the lease row (random runs rarely hit the margin), n/a for an untimed driver', async () => {
    const cell = { fault: 'clock-jump' as const, seeds: 4, steps: 1000, firstSeed: 1, traceDir: null };
    expect((await runCell({ ...cell, driver: 'lease' })).verdict).toBe('safe');
    expect((await runCell({ ...cell, driver: 'model' })).verdict).toBe('n/a');
  });
});
