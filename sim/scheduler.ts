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

export function chooseStep(prng: Prng, steps: readonly Step[], swarm: Swarm): Step {
  const faults: Step[] = [];
  const normal: Step[] = [];
  for (const step of steps) (isFault(step) ? faults : normal).push(step);
  if (faults.length > 0) {
    const classes = [...new Set(faults.map((step) => faultOf(step)!))];
    // A class the swarm has no rate for (a scenario's trace) strikes rarely, never never.
    const rates = classes.map((fault: FaultName) => swarm.faultRates[fault] ?? 1e-3);
    const calm = rates.reduce((product, rate) => product * (1 - rate), 1);
    if (normal.length === 0 || prng.chance(1 - calm)) {
      const fault = classes[prng.weighted(rates)]!;
      return drawChoices(prng, prng.pick(faults.filter((step) => faultOf(step) === fault)));
    }
  }
  const weights = normal.map((step) => (step.kind === 'time' ? TIME_WEIGHT
    : swarm.weights[step.kind as keyof Swarm['weights']]));
  return normal[prng.weighted(weights)]!;
}
