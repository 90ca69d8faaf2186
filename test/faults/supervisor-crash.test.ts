/**
 * `supervisor-crash`, the fault only the RFC design has (`docs/rfc-design.md`): listed, read and
 * described like any class; it never strikes under the libvirt design (no supervisors); a
 * scenario shows what it does; the matrix rows get their verdicts from runs — safe for `model`
 * (virtlockd kills the owner whose connection closed holding locks), violated for a daemon that
 * does not kill.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { describeStep, enabledSteps, readStep } from '../../sim/steps/index.ts';
import { Prng } from '../../sim/prng.ts';
import { applyStep } from '../../sim/world/apply.ts';
import { createContext } from '../../sim/world/context.ts';
import { createWorld } from '../../sim/world/setup.ts';
import { plainDefinitions } from '../../sim/world/shape.ts';

describe('supervisor-crash', () => {
  it('is a fault class like the others: listed, read, described', () => {
    expect(FAULT_NAMES).toContain('supervisor-crash');
    const step = readStep({ kind: 'fault', fault: 'supervisor-crash', vm: 1, host: 0 });
    expect(describeStep(step)).toBe('FAULT supervisor-crash vm1@h0');
    expect(() => readStep({ kind: 'fault', fault: 'supervisor-crash', host: 0 }))
      .toThrow(/'vm' must be a non-negative integer/);
  });

  it('never strikes under the libvirt design, and does under the rfc design', async () => {
    const driver = await resolveSimDriver('model');
    const shape = { hosts: 2, vms: 2, disks: 2 };
    const struck = (design: 'libvirt' | 'rfc') => {
      const ctx = createContext(driver.model, shape, driver.config, { design });
      let world = createWorld(ctx, plainDefinitions(shape, ctx.storage));
      const prng = new Prng(7);
      let count = 0;
      for (let i = 0; i < 400; i++) {
        const steps = enabledSteps(ctx, world, { faults: new Set(['supervisor-crash'] as const) });
        count += steps.filter((s) => s.kind === 'fault').length;
        world = applyStep(ctx, world, prng.pick(steps.filter((s) => s.kind !== 'fault')))!.world;
      }
      return count;
    };
    expect(struck('libvirt')).toBe(0);
    expect(struck('rfc')).toBeGreaterThan(0);
  });

  it("releases the child's lease and, under virtlockd's semantics, kills the child", async () => {
    const scenario = parseScenario([
      'scenario supervisor-crash', 'design rfc', 'hosts 1', 'disks 1', 'vm web disk0:exclusive',
      'expect safe',
      'start web@h0', 'complete web@h0 registerOwner', 'complete web@h0 acquireLocks',
      'fault supervisor-crash web@h0', 'assert process web@h0 dead', 'assert free disk0',
    ].join('\n'), 'supervisor-crash.scenario');
    const result = await runScenario(scenario);
    expect(result.passed, result.message).toBe(true);
  });

  it('is safe in the rfc:model row and violated (S2) for a daemon that does not kill', async () => {
    const model = await runCell({ driver: 'model', design: 'rfc', fault: 'supervisor-crash',
      seeds: 8, steps: 1500, firstSeed: 1, traceDir: null });
    expect(model.verdict, model.message).toBe('safe');
    const canary = await runCell({ driver: 'canary-supervisor-loss-no-kill', design: 'rfc',
      fault: 'supervisor-crash', seeds: 12, steps: 1500, firstSeed: 1, traceDir: null });
    expect(canary.verdict).toBe('violated');
    expect(canary.invariant).toBe('S2');
  });
});
