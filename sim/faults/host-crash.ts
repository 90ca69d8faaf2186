/** `host-crash`: a host dies with its libvirtd, lock daemon and VMs, and reboots empty. */
import { hostDiesAndReboots } from '../world/host-death.ts';
import { serviceEvent } from '../world/service-clock.ts';
import { nat } from '../steps/read.ts';
import type { FaultClass } from './class.ts';

export interface HostCrashStep {
  readonly kind: 'fault';
  readonly fault: 'host-crash';
  readonly host: number;
}

export const hostCrash: FaultClass<HostCrashStep> = {
  name: 'host-crash',
  summary: 'a host dies with its libvirtd, lock daemon and VMs, and reboots empty',
  history: '§7 host crash',
  enabled(_ctx, world, out) {
    for (let host = 0; host < world.hosts.length; host++) {
      out.push({ kind: 'fault', fault: 'host-crash', host });
    }
  },
  steps: {
    apply(ctx, d, step) {
      const host = step.host;
      if (host >= d.hostCount) return false;
      // A timed service places the crash in time first: its leases stay held on disk.
      const timed = serviceEvent(ctx, d, { kind: 'host-crash', host });
      hostDiesAndReboots(ctx, d, host, timed ? 'done' : 'after');
      return true;
    },
    describe: (step) => `FAULT host-crash h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'host-crash', host: nat(fields, 'host') }),
    scenario: { usage: 'fault host-crash h0', parse: (_k, args, words) => ({ host: words.host(args[0]) }) },
    real: (_ctx, _before, _after, step) => [{ kind: 'hostCrash', host: step.host }],
    ends: null,
  },
};
