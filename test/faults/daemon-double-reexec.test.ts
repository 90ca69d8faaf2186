/**
 * `daemon-double-reexec`, the fault class that shows the recipe of `docs/simulator.md` (one
 * module, one registry line, this test): it strikes on every host, reads and describes like any
 * step, and under virtlockd's semantics (`model`) it is unsafe the way a daemon crash is — the
 * daemon comes back empty under VMs that keep running.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { describeStep, readStep } from '../../sim/steps/index.ts';

describe('daemon-double-reexec', () => {
  it('is a fault class like the others: listed, read, described', () => {
    expect(FAULT_NAMES).toContain('daemon-double-reexec');
    const step = readStep({ kind: 'fault', fault: 'daemon-double-reexec', host: 1 });
    expect(describeStep(step)).toBe('FAULT daemon-double-reexec h1');
    expect(() => readStep({ kind: 'fault', fault: 'daemon-double-reexec' }))
      .toThrow(/'host' must be a non-negative integer/);
  });

  it('leaves a running VM without its lock, as a scenario shows', async () => {
    const scenario = parseScenario([
      'scenario double-reexec', 'hosts 1', 'disks 1', 'vm web disk0:exclusive',
      'expect violated S2',
      'start web@h0', 'complete web@h0 registerOwner', 'complete web@h0 acquireLocks',
      'fault daemon-double-reexec h0',
    ].join('\n'), 'double-reexec.scenario');
    const result = await runScenario(scenario);
    expect(result.passed, result.message).toBe(true);
  });

  it('is violated in the model row of the matrix, on S2', async () => {
    const cell = await runCell({ driver: 'model', fault: 'daemon-double-reexec', seeds: 12,
      steps: 1500, firstSeed: 1, traceDir: null });
    expect(cell.verdict).toBe('violated');
    expect(cell.invariant).toBe('S2');
  });
});
