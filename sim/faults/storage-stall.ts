/**
 * `storage-stall`: the host's lease storage hangs: renewals time out, the lease fails, its holders
 * are killed. The daemon's renewals stop at once (a hung I/O is abandoned after io_timeout
 * (SANLK_AIO_TIMEOUT)), so its own check fails the lease id_renewal_fail_seconds after the last
 * renewal; the kill escalation follows, and other hosts may take the leases over after
 * host_dead_seconds. Lease calls on the host fail meanwhile, and a holder's death cannot release
 * its leases (they stay held on disk). Strikes a lock service on the virtual clock; the storage
 * works again after the step's duration, or never.
 */
import { nat } from '../steps/read.ts';
import { serviceEvent } from '../world/service-clock.ts';
import type { FaultClass } from './class.ts';
import { durationField, durationWord, forHowLong, onEveryHost } from './timed.ts';

export interface StorageStallStep {
  readonly kind: 'fault';
  readonly fault: 'storage-stall';
  readonly host: number;
  /** How long until the storage works again (ms), or null: for the rest of the run. */
  readonly ms: number | null;
}

/** Shorter than any io_timeout's renewal failure, longer than io_timeout 1's, and for good. */
const DURATIONS: readonly (number | null)[] = [4_000, 30_000, null];

export const storageStall: FaultClass<StorageStallStep> = {
  name: 'storage-stall',
  summary: "the host's lease storage hangs: renewals time out, the lease fails, its holders are killed",
  history: 'reference sanlock.md §6 (hung I/O: SIGTERM at +5.8 s, SIGKILL at +8.8 s); §7 storage or network loss',
  needsClock: true,
  enabled(ctx, world, out) {
    onEveryHost(ctx, world, out, (host) => ({ kind: 'fault', fault: 'storage-stall', host, ms: null }));
  },
  steps: {
    apply: (ctx, d, step) => step.host < d.hostCount &&
      serviceEvent(ctx, d, { kind: 'storage', host: step.host, mode: 'stall', ms: step.ms }),
    describe: (step) => `FAULT storage-stall h${step.host} ${forHowLong(step.ms)}`,
    read: (fields) => ({ kind: 'fault', fault: 'storage-stall', host: nat(fields, 'host'),
      ms: durationField(fields, 'ms', true) }),
    scenario: {
      usage: 'fault storage-stall h0 [30s|forever]',
      parse: (_k, args, words) => ({ host: words.host(args[0]), ms: durationWord(args[1], true) }),
    },
    choices: {
      all: (step) => DURATIONS.map((ms) => ({ ...step, ms })),
      draw: (prng, step) => ({ ...step, ms: prng.pick(DURATIONS) }),
    },
    real: (_ctx, _before, _after, step) => [{ kind: 'storage', host: step.host, mode: 'stall',
      ms: step.ms }],
  },
};
