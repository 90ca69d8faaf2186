/**
 * A read-only view of a world that both a `World` and a step's `Draft` give: a step module
 * writes its precondition once over it, and uses it both to enumerate the steps enabled in a
 * world and to refuse a step that is not enabled when it applies.
 */
import type { ActorState } from '../../machines/interned.ts';
import type { PendingCall, Proc, VmState, World } from './types.ts';

export interface WorldView {
  readonly hostCount: number;
  readonly service: unknown;
  domain(vm: number, host: number): ActorState;
  proc(vm: number, host: number): Proc | undefined;
  readonly vmsView: readonly VmState[];
  readonly procsView: readonly Proc[];
  readonly pendingView: readonly PendingCall[];
}

const views = new WeakMap<World, WorldView>();

/** The view of a world (one object per world). */
export function viewOf(world: World): WorldView {
  let view = views.get(world);
  if (!view) {
    const hosts = world.hosts.length;
    view = {
      hostCount: hosts,
      service: world.service,
      domain: (vm, host) => world.domains[vm * hosts + host]!,
      proc: (vm, host) => world.procs.find((proc) => proc.vm === vm && proc.host === host),
      vmsView: world.vms,
      procsView: world.procs,
      pendingView: world.pending,
    };
    views.set(world, view);
  }
  return view;
}
