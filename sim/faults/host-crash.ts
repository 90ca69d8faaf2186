/** `host-crash`: a host dies with its libvirtd, lock daemon and VMs, and reboots empty. */
import { procDies } from '../world/actors.ts';
import { freshDomain } from '../world/setup.ts';
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
      for (const proc of d.procs.filter((p) => p.host === host)) {
        procDies(ctx, d, proc.pid, 'crash', { notifyLibvirtd: false });
      }
      d.service = ctx.model.hostCrash(d.service, host);
      d.hosts[host] = { libvirtd: true, daemonEpoch: d.hosts[host]!.daemonEpoch + 1 };
      d.pending = d.pending.filter((call) => call.host !== host);
      d.timers = d.timers.filter((timer) => timer.host !== host);
      d.vms.forEach((state, vm) => {
        d.setDomain(vm, host, freshDomain(state.definition.disks));
      });
      // Queued notifications for the dead host's domains belong to the old libvirtd.
      for (let i = d.inbox.length - 1; i >= 0; i--) if (d.inbox[i]!.host === host) d.inbox.splice(i, 1);
      return true;
    },
    describe: (step) => `FAULT host-crash h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'host-crash', host: nat(fields, 'host') }),
    scenario: { usage: 'fault host-crash h0', parse: (_k, args, words) => ({ host: words.host(args[0]) }) },
    real: (_ctx, _before, _after, step) => [{ kind: 'hostCrash', host: step.host }],
    ends: null,
  },
};
