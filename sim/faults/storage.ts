/**
 * The two ways a host's lease storage fails (`storage-stall`, `storage-eio`): the same world
 * transition — renewals stop, the lease fails id_renewal_fail_seconds after the last renewal,
 * the holders are killed, lease calls on the host fail — told apart by how the daemon meets it
 * (a hung I/O abandoned after io_timeout, or EIO at once). One factory, one module per class.
 */
import { nat } from '../steps/read.ts';
import { serviceEvent } from '../world/service-clock.ts';
import type { Step } from '../steps.ts';
import type { FaultClass } from './class.ts';
import { durationField, durationWord, forHowLong, onEveryHost } from './timed.ts';

export interface StorageStep<Name extends 'storage-stall' | 'storage-eio'> {
  readonly kind: 'fault';
  readonly fault: Name;
  readonly host: number;
  /** How long until the storage works again (ms), or null: for the rest of the run. */
  readonly ms: number | null;
}

/** Shorter than any io_timeout's renewal failure, longer than io_timeout 1's, and for good. */
const DURATIONS: readonly (number | null)[] = [4_000, 30_000, null];

export function storageFault<S extends Step & StorageStep<'storage-stall' | 'storage-eio'>>(
  name: S['fault'], mode: 'stall' | 'eio', text: { readonly summary: string; readonly history: string },
): FaultClass<S> {
  const step = (host: number, ms: number | null) => ({ kind: 'fault', fault: name, host, ms }) as S;
  return {
    name,
    ...text,
    needsClock: true,
    enabled(ctx, world, out) {
      onEveryHost(ctx, world, out, (host) => step(host, null));
    },
    steps: {
      apply: (ctx, d, fault) => fault.host < d.hostCount &&
        serviceEvent(ctx, d, { kind: 'storage', host: fault.host, mode, ms: fault.ms }),
      describe: (fault) => `FAULT ${name} h${fault.host} ${forHowLong(fault.ms)}`,
      read: (fields) => step(nat(fields, 'host'), durationField(fields, 'ms', true)),
      scenario: {
        usage: `fault ${name} h0 [30s|forever]`,
        parse: (_k, args, words) => ({ host: words.host(args[0]), ms: durationWord(args[1], true) }),
      },
      choices: {
        all: (fault) => DURATIONS.map((ms) => step(fault.host, ms)),
        draw: (prng, fault) => step(fault.host, prng.pick(DURATIONS)),
      },
      real: (_ctx, _before, _after, fault) => [{ kind: 'storage', host: fault.host, mode, ms: fault.ms }],
    },
  };
}
