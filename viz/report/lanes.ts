/**
 * The timeline's columns for a world shape, and each column's value in a world. Per host: the
 * host itself (lock calls in flight, timers), libvirtd's domain statechart of every VM, the
 * QEMU process of every VM, the lock daemon; then every disk of the shared storage.
 */
import { diskGrants } from '../../sim/checkers/grants.ts';
import type { SimContext } from '../../sim/world/context.ts';
import type { Proc, World } from '../../sim/world/types.ts';
import type { Lane, ModeLetter } from './model.ts';

/** The lanes of a world with `hosts` hosts, the named VMs and `disks` disks, in page order. */
export function layoutLanes(hosts: number, vmNames: readonly string[], disks: number): Lane[] {
  const lanes: Lane[] = [];
  const lane = (kind: Lane['kind'], host: number, vm: number, disk: number, label: string) =>
    lanes.push({ kind, host, vm, disk, label });
  for (let host = 0; host < hosts; host++) {
    lane('host', host, -1, -1, 'calls');
    vmNames.forEach((name, vm) => lane('domain', host, vm, -1, name));
    vmNames.forEach((name, vm) => lane('proc', host, vm, -1, name));
    lane('lockd', host, -1, -1, 'grants');
  }
  for (let disk = 0; disk < disks; disk++) lane('disk', -1, -1, disk, `disk${disk}`);
  return lanes;
}

const letter = (mode: 'exclusive' | 'shared'): ModeLetter => (mode === 'exclusive' ? 'X' : 'S');

/** A host's lock calls in flight (`[vm, call, orphaned]`) after its pending timer count. */
export function hostValue(world: World, host: number): unknown[] {
  let timers = 0;
  for (const timer of world.timers) if (timer.host === host) timers++;
  const value: unknown[] = [timers];
  for (const call of world.pending) {
    if (call.host === host) value.push([call.vm, call.src, call.orphan ? 1 : 0]);
  }
  return value;
}

/** Grants by lock daemon and by disk, from the service state (cached per state object). */
export interface GrantView {
  /** Per host: `[epoch, [disk, pid, mode]…]`. */
  readonly daemons: unknown[][];
  /** Per disk: `[[pid, host, mode]…]`. */
  readonly holders: unknown[][];
}

export function grantView(ctx: SimContext, world: World): GrantView {
  const daemons: unknown[][] = world.hosts.map((host) => [host.daemonEpoch]);
  const holders: unknown[][] = world.disks.map(() => []);
  for (const grant of diskGrants(ctx, world.service)) {
    if (grant.disk === undefined) continue;
    daemons[grant.host]?.push([grant.disk, grant.owner, letter(grant.mode)]);
    holders[grant.disk]?.push([grant.owner, grant.host, letter(grant.mode)]);
  }
  return { daemons, holders };
}

/** A disk's holders and its live writers. */
export function diskValue(world: World, disk: number, view: GrantView): unknown[] {
  return [view.holders[disk] ?? [], world.disks[disk]!.liveWriters.map((writer) => writer.pid)];
}

/** The live process of each (vm, host) slot, at `vm * hosts + host`. */
export function procSlots(world: World): (Proc | undefined)[] {
  const slots = new Array<Proc | undefined>(world.vms.length * world.hosts.length);
  for (const proc of world.procs) slots[proc.vm * world.hosts.length + proc.host] = proc;
  return slots;
}
