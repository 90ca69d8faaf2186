import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { Prng } from '../../sim/prng.ts';
import { applyStep } from '../../sim/world/apply.ts';
import { createContext } from '../../sim/world/context.ts';
import { enabledSteps } from '../../sim/steps/index.ts';
import { createWorld } from '../../sim/world/setup.ts';
import { drawDefinitions } from '../../sim/world/layouts.ts';

describe('enabled steps and applying them agree', () => {
  it('every enabled step applies, and applying never mutates the world it was given', async () => {
    const model = await resolveSimDriver('model');
    await fc.assert(fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 3 }), async (seed, hosts) => {
      const shape = { hosts, vms: 3, disks: 2 };
      const ctx = createContext(model.model, shape);
      const prng = new Prng(seed);
      let world = createWorld(ctx, drawDefinitions(shape, ctx.storage, prng));
      const faults = new Set(FAULT_NAMES);
      for (let i = 0; i < 150; i++) {
        const steps = enabledSteps(ctx, world, { faults });
        for (const step of steps) {
          const frozen = JSON.stringify(world, (k, v) => (k === 'actor' || k === 'domains' ? undefined : v));
          expect(applyStep(ctx, world, step), JSON.stringify(step)).not.toBeNull();
          expect(JSON.stringify(world, (k, v) => (k === 'actor' || k === 'domains' ? undefined : v))).toBe(frozen);
        }
        world = applyStep(ctx, world, prng.pick(steps))!.world;
      }
    }), { numRuns: 8 });
  });

  it('steps that are not enabled are refused', async () => {
    const model = await resolveSimDriver('model');
    const ctx = createContext(model.model, { hosts: 1, vms: 1, disks: 1 });
    const world = createWorld(ctx, drawDefinitions({ hosts: 1, vms: 1, disks: 1 }, ctx.storage, new Prng(1)));
    expect(applyStep(ctx, world, { kind: 'call', vm: 0, host: 0, call: 'pause' })).toBeNull();
    expect(applyStep(ctx, world, { kind: 'exit', vm: 0, host: 0 })).toBeNull();
    expect(applyStep(ctx, world, { kind: 'complete', vm: 0, host: 0, invoke: 'acquireLocks',
      outcome: { type: 'ok' } })).toBeNull();
    expect(applyStep(ctx, world, { kind: 'fault', fault: 'process-crash', vm: 0, host: 0 })).toBeNull();
  });
});
