/**
 * Every step the explorer takes from a world: every step `enabledSteps` lists — workload,
 * environment, each fault, each admissible failure outcome of each call in flight — and, for
 * the two faults whose effect depends on calls in flight, every choice vector: which replies a
 * daemon re-exec lost, which calls a dying libvirtd had already sent (2^k each; `enabledSteps`
 * lists them all-false and random mode draws the bits).
 */
import type { FaultName } from '../faults/catalog.ts';
import type { Step } from '../steps.ts';
import type { SimContext } from '../world/context.ts';
import { enabledSteps } from '../world/enabled.ts';
import type { World } from '../world/types.ts';

/**
 * Whether a step counts against the workload budget: what users ask of libvirt and what guests
 * do. A migration is one operation: its first phase counts, the protocol's later phases (each
 * taken at most once per migration) do not.
 */
export function isWorkload(step: Step): boolean {
  switch (step.kind) {
    case 'migrate':
      return step.phase === 'begin';
    case 'call':
    case 'attach':
    case 'detach':
    case 'guest-pause':
    case 'rogue-call':
      return true;
    default:
      return false;
  }
}

const vectors: boolean[][][] = [];

/** All 2^k boolean vectors of length k, in binary order (all-false first). */
function choiceVectors(k: number): readonly (readonly boolean[])[] {
  let list = vectors[k];
  if (!list) {
    list = [];
    for (let bits = 0; bits < 1 << k; bits++) {
      list.push([...Array(k).keys()].map((i) => ((bits >> i) & 1) === 1));
    }
    vectors[k] = list;
  }
  return list;
}

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
  if (!left.faults) return steps;
  if (!faults.has('daemon-reexec') && !faults.has('libvirtd-restart')) return steps;
  const out: Step[] = [];
  for (const step of steps) {
    if (step.kind === 'fault' && step.fault === 'daemon-reexec') {
      for (const lost of choiceVectors(step.lost.length)) out.push({ ...step, lost });
    } else if (step.kind === 'fault' && step.fault === 'libvirtd-restart') {
      for (const applied of choiceVectors(step.applied.length)) out.push({ ...step, applied });
    } else {
      out.push(step);
    }
  }
  return out;
}

/** Nothing is in flight: no call pending, no timer armed, no process dying. Only the workload
 * or a fault can move the world on, so this is where the heal phase ends (liveness, S7). */
export function isQuiescent(world: World): boolean {
  return world.pending.length === 0 && world.timers.length === 0 &&
    !world.procs.some((proc) => proc.terminating);
}
