/**
 * A host dies with its libvirtd, lock daemon and VMs, and reboots empty: the `host-crash` fault,
 * and a host a watchdog resets (`world/service-clock.ts`).
 */
import { procDies } from './actors.ts';
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import { freshDomain } from './setup.ts';

/**
 * Everything on `host` dies and it reboots. `service` says how the lock service learns of it:
 * `after` the processes died (`hostCrash`, the untimed models' way), or `done` already (a timed
 * service placed the crash in time itself, before the processes died, so their deaths release
 * nothing that only a live daemon could release).
 */
export function hostDiesAndReboots(ctx: SimContext, d: Draft, host: number,
  service: 'after' | 'done'): void {
  for (const proc of d.procs.filter((p) => p.host === host)) {
    procDies(ctx, d, proc.pid, 'crash', { notifyLibvirtd: false });
  }
  if (service === 'after') d.service = ctx.model.hostCrash(d.service, host);
  d.hosts[host] = { libvirtd: true, daemonEpoch: d.hosts[host]!.daemonEpoch + 1 };
  d.pending = d.pending.filter((call) => call.host !== host);
  d.timers = d.timers.filter((timer) => timer.host !== host);
  d.vms.forEach((state, vm) => {
    d.setDomain(vm, host, freshDomain(state.definition.disks));
  });
  // Queued notifications for the dead host's domains belong to the old libvirtd.
  for (let i = d.inbox.length - 1; i >= 0; i--) if (d.inbox[i]!.host === host) d.inbox.splice(i, 1);
}
