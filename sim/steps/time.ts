/**
 * `time`: time passes for a lock service that lives on the virtual clock (`TimedService`,
 * contract/service.ts). The clock jumps to the service's next instant — a lease that expires, a
 * kill, a watchdog that fires, a host that may be taken over — or, written with a duration in a
 * trace or scenario, moves on by that much; every instant it passes is processed in order
 * (`world/service-clock.ts`). Enabled only when the service has an instant ahead: an untimed
 * service never sees this step, and its runs are unchanged.
 */
import type { Step } from '../steps.ts';
import { catchUp, nextInstant } from '../world/service-clock.ts';
import { TIME_STEP } from '../world/step-cache.ts';
import { nat, StepError } from './read.ts';
import type { StepModule } from './module.ts';

type TimeStep = Extract<Step, { kind: 'time' }>;

/** `30s`, `1500ms`, `2m`, `1.5s` → milliseconds; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) return null;
  const scale = match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000;
  const ms = Number(match[1]) * scale;
  return Number.isSafeInteger(ms) ? ms : Math.round(ms);
}

export function describeDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(3)} s`;
}

export const time: StepModule<TimeStep> = {
  kind: 'time',
  role: 'environment',
  enabled(ctx, world, _phase, out) {
    if (ctx.model.timed && nextInstant(ctx, world.service) !== null) out.push(TIME_STEP);
  },
  apply(ctx, d, step) {
    if (!ctx.model.timed) return false;
    if (step.ms === undefined) {
      const next = nextInstant(ctx, d.service);
      if (next === null) return false;
      d.time = Math.max(d.time, next);
      return true;
    }
    // Each instant on the way is processed at its own time; then the clock reaches the end.
    const end = d.time + step.ms;
    for (let next = nextInstant(ctx, d.service); next !== null && next <= end;
      next = nextInstant(ctx, d.service)) {
      d.time = Math.max(d.time, next);
      catchUp(ctx, d);
    }
    d.time = end;
    return true;
  },
  describe: (step) => (step.ms === undefined ? 'time passes to the lock service\'s next instant'
    : `time: ${describeDuration(step.ms)} pass`),
  read(fields) {
    if (fields['ms'] === undefined) return TIME_STEP;
    return { kind: 'time', ms: nat(fields, 'ms') };
  },
  scenario: {
    keywords: ['time'],
    usage: 'time [30s|1500ms]',
    parse: (_keyword, args) => {
      if (args[0] === undefined) return {};
      const ms = parseDuration(args[0]);
      if (ms === null) throw new StepError(`'${args[0]}' is not a duration (30s, 1500ms, 2m)`);
      return { ms };
    },
  },
};
