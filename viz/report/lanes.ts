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

/**
 * A host's lock calls in flight (`[vm, call, orphaned]`) after its pending timer count, with a
 * text key for interning (built directly: this runs on most steps).
 */
export function hostValue(world: World, host: number): Keyed {
  let timers = 0;
  for (const timer of world.timers) if (timer.host === host) timers++;
  const value: unknown[] = [timers];
  let key = String(timers);
  for (const call of world.pending) {
    if (call.host !== host) continue;
    value.push([call.vm, call.src, call.orphan ? 1 : 0]);
    key += `|${call.vm},${call.src},${call.orphan ? 1 : 0}`;
  }
  return { value, key };
}

/** A lane value with the text key it is interned under. */
export interface Keyed {
  readonly value: unknown[];
  readonly key: string;
}

/** Grants by lock daemon and by disk, from the service state. */
export interface GrantView {
  /** Per host: `[epoch, [disk, pid, mode]…]`. */
  readonly daemons: Keyed[];
  /** Per disk: `[[pid, host, mode]…]`. */
  readonly holders: Keyed[];
}

export function grantView(ctx: SimContext, world: World): GrantView {
  const daemons = world.hosts.map((host) => ({ value: [host.daemonEpoch] as unknown[],
    key: String(host.daemonEpoch) }));
  const holders = world.disks.map(() => ({ value: [] as unknown[], key: '' }));
  for (const grant of diskGrants(ctx, world.service)) {
    if (grant.disk === undefined) continue;
    const mode = letter(grant.mode);
    const daemon = daemons[grant.host];
    if (daemon) {
      daemon.value.push([grant.disk, grant.owner, mode]);
      daemon.key += `|${grant.disk},${grant.owner},${mode}`;
    }
    const disk = holders[grant.disk];
    if (disk) {
      disk.value.push([grant.owner, grant.host, mode]);
      disk.key += `|${grant.owner},${grant.host},${mode}`;
    }
  }
  return { daemons, holders };
}

/** A disk's holders and its live writers. */
export function diskValue(world: World, disk: number, view: GrantView): Keyed {
  const writers = world.disks[disk]!.liveWriters.map((writer) => writer.pid);
  const holders = view.holders[disk]!;
  return { value: [holders.value, writers], key: `${holders.key}/${writers.join(',')}` };
}

/** The live process of each (vm, host) slot, at `vm * hosts + host`. */
export function procSlots(world: World): (Proc | undefined)[] {
  const slots = new Array<Proc | undefined>(world.vms.length * world.hosts.length);
  for (const proc of world.procs) slots[proc.vm * world.hosts.length + proc.host] = proc;
  return slots;
}
