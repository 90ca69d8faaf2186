/**
 * Counterexamples: the BFS tree keeps, per state, its parent and the index of the step among
 * the parent's successors; the path is rebuilt by replaying those indices from the initial
 * world, and written as an ordinary trace (origin `explore`, a digest per step) by replaying it
 * through a `Session`, so `lockchart replay` checks it like any other.
 */
import type { InvariantId, Violation } from '../checkers/index.ts';
import type { SimDriver } from '../resolve-driver.ts';
import type { FaultName } from '../faults/index.ts';
import { traceHeader } from '../run/random.ts';
import { Session } from '../run/session.ts';
import type { Step } from '../steps.ts';
import type { TraceEnd } from '../trace/format.ts';
import type { TraceSink } from '../trace/writer.ts';
import { applyStep } from '../world/apply.ts';
import type { SimContext } from '../world/context.ts';
import { createWorld } from '../world/setup.ts';
import type { WorldShape } from '../world/shape.ts';
import type { VmDefinition, World } from '../world/types.ts';
import { isWorkload } from '../steps/index.ts';
import { budgetLeft, successorSteps, type PathBudgets } from './successors.ts';

/** The steps named by successor indices, from `root` on (generated within `budgets`, as the
 * explorer generated them). */
export function stepsOf(ctx: SimContext, root: World, faults: ReadonlySet<FaultName>,
  budgets: PathBudgets, indices: readonly number[]): Step[] {
  const steps: Step[] = [];
  let world = root;
  let work = 0;
  for (const index of indices) {
    const left = budgetLeft(world, work, budgets);
    const step = successorSteps(ctx, world, faults, left)[index];
    const applied = step && applyStep(ctx, world, step);
    if (!step || !applied) throw new Error(`invariant: successor ${index} does not rebuild`);
    steps.push(step);
    if (isWorkload(step)) work++;
    world = applied.world;
  }
  return steps;
}

/** What a counterexample trace's header records about the exploration that found it. */
export interface TraceOrigin {
  readonly driver: SimDriver;
  readonly shape: WorldShape;
  readonly faults: readonly FaultName[];
  readonly definitions: readonly VmDefinition[];
  readonly invariants?: readonly InvariantId[];
}

/**
 * Replays a counterexample through a session writing to `sink` and returns the end record; a
 * liveness counterexample ends with the liveness check on its last (quiescent) world.
 */
export function writeCounterexample(
  ctx: SimContext,
  origin: TraceOrigin,
  steps: readonly Step[],
  kind: Violation['kind'],
  sink: TraceSink,
): TraceEnd {
  const session = new Session(ctx, createWorld(ctx, origin.definitions), {
    sink, ...(origin.invariants ? { invariants: origin.invariants } : {}),
  });
  session.start(traceHeader(origin.driver, {
    seed: null, faults: origin.faults, shape: origin.shape, definitions: origin.definitions,
    swarm: null, origin: 'explore', ...(origin.invariants ? { invariants: origin.invariants } : {}),
  }, ctx.design));
  for (const step of steps) {
    if (!session.apply(step)) throw new Error('invariant: a counterexample step was refused');
  }
  if (kind === 'liveness' && !session.violation) session.checkLiveness();
  const end = session.end();
  sink.close();
  return end;
}
