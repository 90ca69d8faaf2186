/**
 * `process-pause`: a process is stopped (SIGSTOP) past the lease — the host's lease-renewing
 * process, its sanlock daemon — and continued (SIGCONT) after the step's duration. While it is
 * stopped it neither renews nor checks its lease nor kills anyone, and answers no call; the VMs
 * on the host keep running and writing. When it continues it finds its lease failed and kills the
 * holders (at once with SIGKILL when the grace is over). Meanwhile other hosts may take the
 * leases over once host_dead_seconds passed: unless a watchdog resets the host first, that is a
 * second writer while the first still runs — Kleppmann's "process pause" against a lease.
 * Strikes a lock service on the virtual clock.
 */
import { nat } from '../steps/read.ts';
import { serviceEvent } from '../world/service-clock.ts';
import type { FaultClass } from './class.ts';
import { durationField, durationWord, forHowLong, onEveryHost } from './timed.ts';

export interface ProcessPauseStep {
  readonly kind: 'fault';
  readonly fault: 'process-pause';
  readonly host: number;
  /** How long the daemon stays stopped (ms). */
  readonly ms: number;
}

/** Within the lease, past io_timeout 1's host_dead (68 s), past io_timeout 10's (140 s). */
const DURATIONS: readonly number[] = [5_000, 70_000, 150_000];

export const processPause: FaultClass<ProcessPauseStep> = {
  name: 'process-pause',
  summary: "the host's lease-renewing process (its sanlock daemon) is stopped past the lease, " +
    'then continued',
  history: 'reference sanlock.md §6 (kill -STOP of a daemon for 70 s: another host acquired, ' +
    'the holder was killed tens of ms later); Kleppmann, "How to do distributed locking" (2016)',
  needsClock: true,
  enabled(ctx, world, out) {
    onEveryHost(ctx, world, out, (host) => ({ kind: 'fault', fault: 'process-pause', host,
      ms: DURATIONS[1]! }));
  },
  steps: {
    apply: (ctx, d, step) => step.host < d.hostCount &&
      serviceEvent(ctx, d, { kind: 'daemon-pause', host: step.host, ms: step.ms }),
    describe: (step) => `FAULT process-pause h${step.host} ${forHowLong(step.ms)}`,
    read: (fields) => ({ kind: 'fault', fault: 'process-pause', host: nat(fields, 'host'),
      ms: durationField(fields, 'ms', false)! }),
    scenario: {
      usage: 'fault process-pause h0 70s',
      parse: (_k, args, words) => ({ host: words.host(args[0]), ms: durationWord(args[1], false) }),
    },
    choices: {
      all: (step) => DURATIONS.map((ms) => ({ ...step, ms })),
      draw: (prng, step) => ({ ...step, ms: prng.pick(DURATIONS) }),
    },
    real: (_ctx, _before, _after, step) => [{ kind: 'daemonPause', host: step.host, ms: step.ms }],
  },
};
