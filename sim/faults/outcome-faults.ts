/**
 * What the outcome faults share: they strike as a failing completion of a lock call in flight
 * (the `complete` step kind applies and reads them), one step per outcome the driver's declared
 * set admits for the fault (`sim/world/lock-calls.ts`: `failureOutcomes`).
 */
import type { OutcomeFault, Step } from '../steps.ts';
import type { SimContext } from '../world/context.ts';
import { failureOutcomes, oldestOfItsKind } from '../world/lock-calls.ts';
import type { World } from '../world/types.ts';

/** Appends a failing completion of each call that can complete, for each admitted outcome. */
export function failingCompletions(ctx: SimContext, world: World, fault: OutcomeFault,
  out: Step[]): void {
  for (let i = 0; i < world.pending.length; i++) {
    if (!oldestOfItsKind(world.pending, i)) continue;
    const call = world.pending[i]!;
    for (const effect of failureOutcomes(ctx, call, fault)) {
      out.push({ kind: 'complete', vm: call.vm, host: call.host, invoke: call.invoke,
        outcome: { type: 'fail', fault, effect } });
    }
  }
}
