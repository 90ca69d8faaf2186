/**
 * The random scheduler: which enabled step runs next. Each fault class that can strike does so
 * with its own rate from the swarm (so at least one strikes with probability 1 − Π(1 − rᵢ)); the
 * class is then drawn in proportion to its rate and a target uniformly. Otherwise a step is drawn
 * with the swarm's weight for its kind. Choice vectors inside fault steps (which calls in flight
 * a restart applied, which replies a re-exec lost) are drawn here too.
 */
import type { FaultName } from './faults/index.ts';
import { drawChoices } from './steps/index.ts';
import type { Prng } from './prng.ts';
import { faultOf, isFault, type Step } from './steps.ts';
import { TIME_WEIGHT, type Swarm } from './swarm.ts';

/** Scratch lists of the fault classes enabled in a step and their rates (reused: no allocation). */
const classes: FaultName[] = [];
const rates: number[] = [];

export function chooseStep(prng: Prng, steps: readonly Step[], swarm: Swarm): Step {
  // One pass, no allocation for the common case (no fault step enabled): the total weight is
  // summed in list order, exactly as `Prng.weighted` would over the normal steps' weights.
  let faults = 0;
  let normal = 0;
  let total = 0;
  classes.length = 0;
  rates.length = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (isFault(step)) {
      faults++;
      // The classes in order of first appearance, with their rates. A class the swarm has no
      // rate for (a scenario's trace) strikes rarely, never never.
      const fault = faultOf(step)!;
      if (!classes.includes(fault)) {
        classes.push(fault);
        rates.push(swarm.faultRates[fault] ?? 1e-3);
      }
    } else {
      normal++;
      total += weightOf(swarm, step);
    }
  }
  if (faults > 0) {
    let calm = 1;
    for (const rate of rates) calm *= 1 - rate;
    if (normal === 0 || prng.chance(1 - calm)) {
      const fault = classes[prng.weighted(rates)]!;
      return drawChoices(prng, prng.pick(steps.filter((step) => faultOf(step) === fault)));
    }
  }
  // `Prng.weighted` over the normal steps, in place.
  let r = prng.float() * total;
  let last: Step | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (isFault(step)) continue;
    r -= weightOf(swarm, step);
    if (r < 0) return step;
    last = step;
  }
  if (last === undefined) throw new RangeError('Prng.pick on an empty list');
  return last;
}

const weightOf = (swarm: Swarm, step: Step): number =>
  (step.kind === 'time' ? TIME_WEIGHT : swarm.weights[step.kind as keyof Swarm['weights']]);
