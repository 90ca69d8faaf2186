/**
 * Shrinking a failing run to a minimal one: fewest steps first, then fewest faults. Delta
 * debugging (Zeller's ddmin) over the step list, where a candidate "still fails" when a lenient
 * replay (skipping steps it no longer enables) breaks the same invariant; then a pass that turns
 * each injected failure back into a normal completion where the run still fails.
 */
import type { Violation } from '../checkers/index.ts';
import { isFault, type Step } from '../steps.ts';
import type { TraceHeader } from '../trace/format.ts';
import type { SimDriver } from '../resolve-driver.ts';
import { replayLenient } from './replay.ts';

export interface ShrinkResult {
  readonly steps: readonly Step[];
  readonly violation: Violation;
  /** Replays the shrinker ran. */
  readonly tests: number;
  readonly faults: number;
}

export interface ShrinkTarget {
  readonly invariant: Violation['invariant'];
  readonly kind: Violation['kind'];
}

export function shrinkSteps(
  header: TraceHeader,
  driver: SimDriver,
  steps: readonly Step[],
  target: ShrinkTarget,
  options: { maxTests?: number } = {},
): ShrinkResult {
  const maxTests = options.maxTests ?? 3000;
  let tests = 0;
  const failing = (candidate: readonly Step[]) => {
    tests++;
    const result = replayLenient(header, driver, candidate, { settle: target.kind === 'liveness' });
    const violation = target.kind === 'liveness' ? result.liveness : result.violation;
    return violation?.invariant === target.invariant ? { steps: result.applied, violation } : null;
  };
  let best = failing(steps);
  if (!best) {
    throw new Error(`the run does not reproduce ${target.invariant} when replayed; cannot shrink`);
  }
  best = ddmin(best, failing, () => tests < maxTests);
  best = dropFaults(best, failing, () => tests < maxTests);
  return {
    steps: best.steps,
    violation: best.violation,
    tests,
    faults: best.steps.filter(isFault).length,
  };
}

type Failing = { steps: readonly Step[]; violation: Violation };
type Test = (candidate: readonly Step[]) => Failing | null;

function ddmin(start: Failing, failing: Test, budget: () => boolean): Failing {
  let best = start;
  let parts = 2;
  while (best.steps.length >= 2 && budget()) {
    const size = Math.ceil(best.steps.length / parts);
    let reduced = false;
    for (let from = 0; from < best.steps.length && budget(); from += size) {
      const candidate = [...best.steps.slice(0, from), ...best.steps.slice(from + size)];
      const result = failing(candidate);
      if (result && result.steps.length < best.steps.length) {
        best = result;
        parts = Math.max(parts - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (parts >= best.steps.length) break;
      parts = Math.min(best.steps.length, parts * 2);
    }
  }
  return best;
}

/** Fewer faults at the same length: make each injected failure an ordinary completion. */
function dropFaults(start: Failing, failing: Test, budget: () => boolean): Failing {
  let best = start;
  for (let i = 0; i < best.steps.length && budget(); i++) {
    const step = best.steps[i]!;
    if (step.kind !== 'complete' || step.outcome.type !== 'fail') continue;
    const candidate = best.steps.slice();
    candidate[i] = { ...step, outcome: { type: 'ok' } };
    const result = failing(candidate);
    if (result && result.steps.length <= best.steps.length) best = result;
  }
  return best;
}
