/**
 * L1 — waits end: no deadlock of waiting acquires (liveness).
 * Verifies: once faults and workload stop and everything else settled (the heal phase), the lock
 * calls still in flight — under the RFC design, AcquireResource calls that wait while their disk
 * is busy (`sim/world/supervisor.ts`: `waits`) — do not wait for each other in a cycle: VM A
 * waits for a disk B holds while B waits for one A holds (two VMs hot-plugging each other's
 * disks). Such waits never end, whatever the VMs do next.
 * Does not verify: a single wait for a disk a running VM holds (it ends when that VM stops, as
 * the RFC's blocking acquire intends); how long a wait took; the libvirt design (its calls never
 * wait: a conflict is an immediate RESOURCE_BUSY).
 */
import { supervised } from '../world/design.ts';
import type { SimContext } from '../world/context.ts';
import { waits } from '../world/supervisor.ts';
import type { PendingCall, World } from '../world/types.ts';
import type { Checker } from './checker.ts';

export const waitsEnd: Checker = {
  id: 'L1',
  name: 'waits-end',
  kind: 'liveness',
  verifies: 'after the heal phase no waiting acquires wait for each other in a cycle',
  doesNotVerify: 'a lone wait on a running holder; wait latency; the libvirt design (no waits)',
  applies: (ctx) => supervised(ctx.design),
  checkSettled(ctx, world) {
    const waiting = world.pending.filter((call) => waits(ctx, world, call));
    if (waiting.length < 2) return null;
    const cycle = findCycle(waiting, (call) => blockers(ctx, world, call, waiting));
    if (!cycle) return null;
    const name = (call: PendingCall) => `vm${call.vm}@h${call.host}`;
    return `deadlock: ${cycle.map((call, i) => `${name(call)} waits for ` +
      `${call.disks.map((use) => use.path).join(', ')}, held by ${name(cycle[(i + 1) % cycle.length]!)}`)
      .join('; ')}`;
  },
};

/** The waiting calls whose owners hold a disk `call` waits for, in a conflicting mode. */
function blockers(ctx: SimContext, world: World, call: PendingCall, waiting: readonly PendingCall[]):
  PendingCall[] {
  const wanted = call.disks.map((use) => ({ disk: use.disk, shared: use.mode === 'shared' }));
  const holders = new Set<number>();
  for (const grant of ctx.model.grants(world.service)) {
    if (grant.owner === call.pid) continue;
    const disk = ctx.storage.resolve(grant.resource);
    if (wanted.some((w) => w.disk === disk && !(w.shared && grant.mode === 'shared'))) {
      holders.add(grant.owner);
    }
  }
  return waiting.filter((other) => other !== call && holders.has(other.pid));
}

function findCycle(calls: readonly PendingCall[], next: (call: PendingCall) => PendingCall[]):
  PendingCall[] | null {
  for (const start of calls) {
    const path: PendingCall[] = [];
    const seen = new Set<PendingCall>();
    let at: PendingCall | undefined = start;
    while (at && !seen.has(at)) {
      seen.add(at);
      path.push(at);
      at = next(at)[0];
    }
    if (at) return path.slice(path.indexOf(at));
  }
  return null;
}
