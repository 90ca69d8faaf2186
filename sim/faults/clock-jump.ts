/**
 * `clock-jump`: a host's monotonic clock jumps forward (a host suspended and resumed, a clock
 * source that misbehaves). sanlock measures every timeout on its own host's clock: on the host
 * that holds leases the jump brings its own deadlines closer (its lease may fail at once, and
 * its watchdog's keepalives stop sooner); on a host waiting to take a silent host's leases over,
 * host_dead_seconds pass sooner — before the silent host's watchdog fired, if the jump is larger
 * than the fencing margin (`lockchart margin`). Strikes a lock service on the virtual clock.
 */
import { nat } from '../steps/read.ts';
import { describeDuration } from '../steps/time.ts';
import { serviceEvent } from '../world/service-clock.ts';
import type { FaultClass } from './class.ts';
import { durationField, durationWord, onEveryHost } from './timed.ts';

export interface ClockJumpStep {
  readonly kind: 'fault';
  readonly fault: 'clock-jump';
  readonly host: number;
  /** How far the clock jumps forward (ms). */
  readonly ms: number;
}

const JUMPS: readonly number[] = [2_000, 20_000, 200_000];

export const clockJump: FaultClass<ClockJumpStep> = {
  name: 'clock-jump',
  summary: "a host's monotonic clock jumps forward: its lease deadlines, and its view of other " +
    "hosts' silence, move on by the jump",
  history: 'sanlock paxos_lease.c ("we need to be careful about ever comparing local time(NULL) ' +
    'to a time value we read off disk from another node"); timeouts.h (the watchdog fires ' +
    'between T160 and T179, the host_id expires at T180)',
  needsClock: true,
  enabled(ctx, world, out) {
    onEveryHost(ctx, world, out, (host) => ({ kind: 'fault', fault: 'clock-jump', host, ms: JUMPS[0]! }));
  },
  steps: {
    apply: (ctx, d, step) => step.host < d.hostCount &&
      serviceEvent(ctx, d, { kind: 'clock-jump', host: step.host, ms: step.ms }),
    describe: (step) => `FAULT clock-jump h${step.host} +${describeDuration(step.ms)}`,
    read: (fields) => ({ kind: 'fault', fault: 'clock-jump', host: nat(fields, 'host'),
      ms: durationField(fields, 'ms', false)! }),
    scenario: {
      usage: 'fault clock-jump h1 2s',
      parse: (_k, args, words) => ({ host: words.host(args[0]), ms: durationWord(args[1], false) }),
    },
    choices: {
      all: (step) => JUMPS.map((ms) => ({ ...step, ms })),
      draw: (prng, step) => ({ ...step, ms: prng.pick(JUMPS) }),
    },
    unreal: "a running daemon's CLOCK_MONOTONIC cannot be moved (a time namespace sets its " +
      'offsets before its first process starts): only the model jumps a clock',
  },
};
