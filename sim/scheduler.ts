/**
 * The random scheduler: which enabled step runs next. Faults strike with the swarm's fault rate
 * (a uniformly chosen enabled fault class, then a uniformly chosen target); otherwise a step is
 * drawn with the swarm's weight for its kind. Choice vectors inside fault steps (which calls in
 * flight a restart applied, which replies a re-exec lost) are drawn here too.
 */
import type { Prng } from './prng.ts';
import { faultOf, isFault, type Step } from './steps.ts';
import type { Swarm } from './swarm.ts';

export function chooseStep(prng: Prng, steps: readonly Step[], swarm: Swarm): Step {
  const faults: Step[] = [];
  const normal: Step[] = [];
  for (const step of steps) (isFault(step) ? faults : normal).push(step);
  if (faults.length > 0 && (normal.length === 0 || prng.chance(swarm.faultRate))) {
    const classes = [...new Set(faults.map(faultOf))];
    const fault = prng.pick(classes);
    return fillChoices(prng, prng.pick(faults.filter((step) => faultOf(step) === fault)));
  }
  const weights = normal.map((step) => swarm.weights[step.kind as keyof Swarm['weights']]);
  return normal[prng.weighted(weights)]!;
}

function fillChoices(prng: Prng, step: Step): Step {
  if (step.kind !== 'fault') return step;
  if (step.fault === 'daemon-reexec') {
    return { ...step, lost: step.lost.map(() => prng.chance(0.5)) };
  }
  if (step.fault === 'libvirtd-restart') {
    return { ...step, applied: step.applied.map(() => prng.chance(0.5)) };
  }
  return step;
}
