/**
 * Swarm testing: every seed draws its own policy — a probability per fault class that is
 * switched on, and its own mix of workload steps — so a sweep covers long-and-calm and
 * short-and-violent runs alike, and runs where one fault class dominates another
 * (TigerBeetle's `options_swarm`, which draws each fault's probability per seed). The parameters
 * are printed with the seed and stored in the trace header.
 */
import type { FaultName } from './faults/index.ts';
import type { Prng } from './prng.ts';
import type { Step } from './steps.ts';

export type StepKind = Step['kind'];

export interface Swarm {
  /** Per fault class switched on: the probability per step that it strikes, when it can. */
  readonly faultRates: Readonly<Partial<Record<FaultName, number>>>;
  /** Relative weight of each kind of non-fault step (`time` has a fixed one: `TIME_WEIGHT`). */
  readonly weights: Readonly<Record<Exclude<StepKind, 'fault' | 'time'>, number>>;
}

/**
 * The weight of a `time` step (a timed lock service's next instant). Fixed rather than drawn, so
 * that the seeds of untimed drivers, which never see the step, draw what they always drew.
 */
export const TIME_WEIGHT = 1;

const BASE_WEIGHTS: Swarm['weights'] = {
  complete: 6,
  write: 3,
  call: 2,
  timer: 3,
  exit: 4,
  migrate: 1.5,
  attach: 0.5,
  detach: 0.5,
  'guest-pause': 0.2,
  'rogue-call': 0.2,
};

/** Fault rates are drawn log-uniformly between these, per class and per seed. */
export const FAULT_RATE_RANGE = [0.003, 0.1] as const;

export function drawSwarm(prng: Prng, faults: readonly FaultName[]): Swarm {
  const weights = {} as Record<keyof Swarm['weights'], number>;
  for (const [kind, base] of Object.entries(BASE_WEIGHTS) as [keyof Swarm['weights'], number][]) {
    weights[kind] = base * Math.pow(2, prng.float() * 3 - 1.5);
  }
  const [low, high] = FAULT_RATE_RANGE;
  const faultRates: Partial<Record<FaultName, number>> = {};
  for (const fault of faults) faultRates[fault] = low * Math.pow(high / low, prng.float());
  return { faultRates, weights };
}

export function describeSwarm(swarm: Swarm): string {
  const rates = Object.entries(swarm.faultRates).map(([fault, rate]) => `${fault}=${rate.toFixed(4)}`);
  const weights = Object.entries(swarm.weights).map(([kind, w]) => `${kind}=${w.toFixed(2)}`);
  return `${rates.length > 0 ? `faults: ${rates.join(' ')}; ` : ''}steps: ${weights.join(' ')}`;
}
