/**
 * Applies one step to a world, purely: the result is the next world, or null when the step is
 * not enabled (a call the domain refuses, a process that is not there, a failure outcome the
 * driver does not admit). The step's own change comes from its module (`sim/steps`,
 * `sim/faults`); then the notifications it queued are delivered, migrations that ended are
 * settled, and time advances by 1 ms (a timer, or a `time` step, sets the clock instead). A
 * timed lock service then acts at every instant the clock reached (`service-clock.ts`).
 */
import { dispatchStep } from '../steps/index.ts';
import { settleMigrations } from '../steps/migrate.ts';
import type { Step } from '../steps.ts';
import { drain } from './actors.ts';
import { catchUp } from './service-clock.ts';
import type { SimContext } from './context.ts';
import { Draft, type ActorTransition } from './draft.ts';
import { reapSupervisors } from './supervisor.ts';
import type { CompletedCall } from './lock-calls.ts';
import { trackOrphanGrants } from './orphan-grants.ts';
import { trackReleases } from './releases.ts';
import type { World } from './types.ts';

export interface Applied {
  readonly world: World;
  /** The lock calls that completed in the step (what the manager answered and believed). */
  readonly lockCalls: readonly CompletedCall[];
  /** What happened inside the step beyond the step itself (for traces and timelines). */
  readonly notes: readonly string[];
  /** Events the step delivered to statecharts, in order (only when `observe` was asked). */
  readonly transitions: readonly ActorTransition[] | null;
}

export function applyStep(
  ctx: SimContext,
  world: World,
  step: Step,
  observe = false,
): Applied | null {
  const d = new Draft(world, observe);
  if (!dispatchStep(ctx, d, step)) return null;
  drain(ctx, d);
  settleMigrations(d);
  if (ctx.design !== 'libvirt') reapSupervisors(ctx, d);
  // A timer or a `time` step sets the clock itself; any other step takes a millisecond.
  if (step.kind !== 'timer' && step.kind !== 'time') d.time += 1;
  // A timed service acts at every instant the clock reached (untimed ones never do).
  if (catchUp(ctx, d)) {
    drain(ctx, d);
    settleMigrations(d);
  }
  trackReleases(ctx, world, d);
  trackOrphanGrants(ctx, world, d);
  return { world: d.finish(), lockCalls: d.lockCalls, notes: d.notes, transitions: d.transitions };
}
