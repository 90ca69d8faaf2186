/**
 * Swarm testing: every seed draws its own fault rate and its own mix of workload steps, so a
 * sweep covers long-and-calm and short-and-violent runs alike (TigerBeetle's `options_swarm`).
 * The parameters are printed with the seed and stored in the trace header.
 */
import type { Prng } from './prng.ts';
import type { Step } from './steps.ts';

export type StepKind = Step['kind'];

export interface Swarm {
  /** Probability per step that an enabled fault strikes. */
  readonly faultRate: number;
  /** Relative weight of each kind of non-fault step. */
  readonly weights: Readonly<Record<Exclude<StepKind, 'fault'>, number>>;
}

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

export function drawSwarm(prng: Prng): Swarm {
  const faultRate = 0.003 * Math.pow(0.1 / 0.003, prng.float());
  const weights = {} as Record<keyof Swarm['weights'], number>;
  for (const [kind, base] of Object.entries(BASE_WEIGHTS) as [keyof Swarm['weights'], number][]) {
    weights[kind] = base * Math.pow(2, prng.float() * 3 - 1.5);
  }
  return { faultRate, weights };
}

export function describeSwarm(swarm: Swarm): string {
  const weights = Object.entries(swarm.weights).map(([kind, w]) => `${kind}=${w.toFixed(2)}`);
  return `fault-rate=${swarm.faultRate.toFixed(4)} ${weights.join(' ')}`;
}
