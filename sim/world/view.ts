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

/** A world read through the view (methods on the prototype: a hot path makes one per step). */
class WorldReader implements WorldView {
  constructor(private readonly world: World) {}

  get hostCount(): number {
    return this.world.hosts.length;
  }

  get service(): unknown {
    return this.world.service;
  }

  get vmsView(): readonly VmState[] {
    return this.world.vms;
  }

  get procsView(): readonly Proc[] {
    return this.world.procs;
  }

  get pendingView(): readonly PendingCall[] {
    return this.world.pending;
  }

  domain(vm: number, host: number): ActorState {
    return this.world.domains[vm * this.world.hosts.length + host]!;
  }

  proc(vm: number, host: number): Proc | undefined {
    const procs = this.world.procs;
    for (let i = 0; i < procs.length; i++) {
      if (procs[i]!.vm === vm && procs[i]!.host === host) return procs[i];
    }
    return undefined;
  }
}

/** The view of a world. */
export function viewOf(world: World): WorldView {
  return new WorldReader(world);
}
