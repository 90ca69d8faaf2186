/**
 * The simulator must be shown to catch planted bugs, not only to pass good drivers. Each canary
 * is a virtlockd model with one deliberate bug; random runs with the fault class it needs must
 * find the invariant it breaks, at a seed where the correct model does not break it (so the
 * finding is the bug's, not the workload's). The time to detection is printed.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEEDS } from '../../cli/commands/matrix.ts';
import { CANARIES } from '../../sim/canaries/canaries.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { runRandom } from '../../sim/run/random.ts';

// The matrix's default budget: every canary must be caught within what `lockchart matrix` runs.
const SEEDS = DEFAULT_SEEDS;

describe('canaries', () => {
  it('there are at least five canaries, each naming its bug and the invariant that catches it', () => {
    expect(CANARIES.length).toBeGreaterThanOrEqual(5);
    for (const canary of CANARIES) expect(canary.bug.length).toBeGreaterThan(20);
  });

  for (const canary of CANARIES) {
    it(`${canary.name} is caught by ${canary.caughtBy}`, async () => {
      const driver = await resolveSimDriver(canary.name);
      const model = await resolveSimDriver(canary.reference ?? 'model');
      const faults = canary.faults as never;
      const started = performance.now();
      let caught: { seed: number; step: number; invariant: string } | null = null;
      let steps = 0;
      for (let seed = 1; seed <= SEEDS && !caught; seed++) {
        const design = canary.design ?? 'libvirt';
        const run = runRandom({ driver, seed, steps: canary.steps, faults, design });
        steps += run.steps;
        const found = run.violation ?? run.liveness;
        if (found?.invariant !== canary.caughtBy) continue;
        const reference = runRandom({ driver: model, seed, steps: canary.steps, faults, design });
        const clean = (reference.violation ?? reference.liveness)?.invariant !== canary.caughtBy;
        if (clean) caught = { seed, step: found.step, invariant: found.invariant };
      }
      const ms = performance.now() - started;
      console.log(`${canary.name}: ${caught ? `caught (${caught.invariant}) at seed ${caught.seed}, step ` +
        `${caught.step}` : 'NOT caught'} after ${steps} steps in ${ms.toFixed(1)} ms`);
      expect(caught).not.toBeNull();
    });
  }

  it('the reference model is not flagged where its canaries are', async () => {
    const model = await resolveSimDriver('model');
    for (const faults of [[], ['daemon-reexec'], ['connection-drop']]) {
      for (let seed = 1; seed <= 5; seed++) {
        const run = runRandom({ driver: model, seed, steps: 2000, faults: faults as never });
        expect(run.violation).toBeNull();
      }
    }
  });
});
