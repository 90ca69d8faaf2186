/**
 * `daemon-crash`: the host's lock daemon dies and restarts empty (socket activation) while the
 * VMs keep running — `systemctl restart virtlockd` (reference §6 #1, #3).
 */
import { callsOn, failInFlight } from '../world/lock-calls.ts';
import { serviceEvent } from '../world/service-clock.ts';
import type { SimContext } from '../world/context.ts';
import type { Draft } from '../world/draft.ts';
import { nat } from '../steps/read.ts';
import type { FaultClass } from './class.ts';

export interface DaemonCrashStep {
  readonly kind: 'fault';
  readonly fault: 'daemon-crash';
  readonly host: number;
}

/** The daemon's state is gone, it restarts empty, and every call it was serving fails. */
export function daemonDiesAndRestarts(ctx: SimContext, d: Draft, host: number): void {
  // A timed service places the crash in time (its leases age from the last renewal on).
  if (!serviceEvent(ctx, d, { kind: 'daemon-crash', host })) {
    d.service = ctx.model.daemonCrash(d.service, host);
  }
  d.hosts[host] = { ...d.hosts[host]!, daemonEpoch: d.hosts[host]!.daemonEpoch + 1 };
  for (const call of callsOn(d.pending, host)) {
    failInFlight(d, call, 'RPC', 'End of file while reading data: the lock daemon connection closed');
  }
}

export const daemonCrash: FaultClass<DaemonCrashStep> = {
  name: 'daemon-crash',
  summary: 'the lock daemon dies and restarts empty while VMs keep running',
  history: '§6 #1 (systemctl restart virtlockd), #3',
  enabled(_ctx, world, out) {
    for (let host = 0; host < world.hosts.length; host++) {
      out.push({ kind: 'fault', fault: 'daemon-crash', host });
    }
  },
  steps: {
    apply(ctx, d, step) {
      if (step.host >= d.hostCount) return false;
      daemonDiesAndRestarts(ctx, d, step.host);
      return true;
    },
    describe: (step) => `FAULT daemon-crash h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'daemon-crash', host: nat(fields, 'host') }),
    scenario: { usage: 'fault daemon-crash h0', parse: (_k, args, words) => ({ host: words.host(args[0]) }) },
    real: (_ctx, _before, _after, step) => [{ kind: 'daemonCrash', host: step.host }],
  },
};
