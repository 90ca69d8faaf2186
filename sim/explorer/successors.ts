/**
 * Every step the explorer takes from a world: every step `enabledSteps` lists — workload,
 * environment, each fault, each admissible failure outcome of each call in flight — and, for
 * the faults whose effect depends on calls in flight, every choice vector their module offers
 * (which replies a daemon re-exec lost, which calls a dying libvirtd had already sent: 2^k each;
 * `enabledSteps` lists them at their default and random mode draws them).
 */
import type { FaultName } from '../faults/index.ts';
import { choicesOf, enabledSteps, hasChoices } from '../steps/index.ts';
import type { Step } from '../steps.ts';
import type { SimContext } from '../world/context.ts';
import { waits } from '../world/supervisor.ts';

import type { World } from '../world/types.ts';

const NO_FAULTS: ReadonlySet<FaultName> = new Set();

/** What is left of a behaviour's budgets: whether it may still take a fault, a workload step. */
export interface BudgetLeft {
  readonly faults: boolean;
  readonly workload: boolean;
}

const UNSPENT: BudgetLeft = { faults: true, workload: true };

/** The budgets a behaviour is explored within. */
export interface PathBudgets {
  readonly faultBudget: number;
  /** undefined: unbounded. */
  readonly workload: number | undefined;
}

/** What is left of `budgets` in `world` after `work` workload steps. */
export function budgetLeft(world: World, work: number, budgets: PathBudgets): BudgetLeft {
  const faults = world.faults < budgets.faultBudget;
  const workload = budgets.workload === undefined || work < budgets.workload;
  return faults && workload ? UNSPENT : { faults, workload };
}

/**
 * The successors' steps of `world` within what is left of the budgets, in a fixed order (a
 * step's index among them names it in the tree). A spent budget's steps are not generated.
 */
export function successorSteps(ctx: SimContext, world: World, faults: ReadonlySet<FaultName>,
  left: BudgetLeft = UNSPENT): Step[] {
  const steps = enabledSteps(ctx, world,
    { faults: left.faults ? faults : NO_FAULTS, noWorkload: !left.workload });
  if (!left.faults || !steps.some(hasChoices)) return steps;
  return steps.flatMap((step) => (hasChoices(step) ? choicesOf(step) : [step]));
}

/** Nothing is in flight: no call pending (under the RFC design: none but waits), no timer armed,
 * no process dying. Only the workload
 * or a fault can move the world on, so this is where the heal phase ends (liveness, S7). */
export function isQuiescent(world: World, ctx?: SimContext): boolean {
  return world.timers.length === 0 && !world.procs.some((proc) => proc.terminating) &&
    (world.pending.length === 0 || (ctx !== undefined && ctx.design !== 'libvirt' &&
      world.pending.every((call) => waits(ctx, world, call))));
}
