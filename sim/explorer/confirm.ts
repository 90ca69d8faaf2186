/**
 * A counterexample is replayed on the object world before it is reported: the steps, applied
 * one by one through a `Session` with the simulator's own checkers, must be enabled, and must
 * break the same invariant — a safety violation on the last step and not before, a liveness
 * violation in the quiescent world they end in. A search that found a path by other means
 * (shards, handed-over states, fingerprints) cannot report a path that does not show what it
 * claims.
 */
import { selectCheckers, Session } from '../run/session.ts';
import type { Step } from '../steps.ts';
import type { SimContext } from '../world/context.ts';
import type { World } from '../world/types.ts';
import type { InvariantId, Violation } from '../checkers/index.ts';
import { isQuiescent } from './successors.ts';

/** A counterexample that did not replay as reported. */
export class CounterexampleMismatch extends Error {
  override readonly name = 'CounterexampleMismatch';
}

/** Throws `CounterexampleMismatch` unless `steps` from `root` show `violation`. */
export function confirmCounterexample(ctx: SimContext, root: World, steps: readonly Step[],
  violation: Violation, invariants?: readonly InvariantId[]): void {
  const session = new Session(ctx, root, invariants ? { invariants } : {});
  steps.forEach((step, i) => {
    if (!session.apply(step)) {
      throw new CounterexampleMismatch(`counterexample step ${i + 1} is not enabled on replay: ` +
        JSON.stringify(step));
    }
    if (session.violation && (violation.kind === 'liveness' || i < steps.length - 1)) {
      throw new CounterexampleMismatch(`the replay broke ${session.violation.invariant} at step ` +
        `${i + 1} of ${steps.length}, before the reported ${violation.invariant}`);
    }
  });
  if (violation.kind === 'safety') {
    if (session.violation?.invariant !== violation.invariant) {
      throw new CounterexampleMismatch(`the replay does not break ${violation.invariant} on its ` +
        `last step (${session.violation?.invariant ?? 'nothing broke'})`);
    }
    return;
  }
  const checker = selectCheckers(ctx, invariants).find((c) => c.id === violation.invariant);
  if (!isQuiescent(session.world, ctx) || !checker?.checkSettled?.(ctx, session.world)) {
    throw new CounterexampleMismatch(`the replay does not end in a quiescent world that breaks ` +
      violation.invariant);
  }
}
