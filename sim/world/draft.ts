/**
 * A mutable working copy of a World for the duration of one step. Steps are easier to write as
 * a sequence of small imperative operations; `finish()` freezes the result into the next World
 * (arrays are copied on entry, elements are immutable and shared).
 */
import type { EventObject } from 'xstate';
import type { ActorState } from '../../machines/interned.ts';
import type {
  DiskState,
  HostState,
  PendingCall,
  Proc,
  Timer,
  VmState,
  World,
} from './types.ts';

/**
 * One event delivered to a domain or process statechart inside a step, with the actor's state
 * before and after it (the same state when the event was not handled). Collected only for an
 * observed step (live inspection, reports); otherwise `Draft.transitions` is null.
 */
export interface ActorTransition {
  readonly machine: 'domain' | 'process';
  readonly vm: number;
  readonly host: number;
  /** The QEMU pid (process actors only). */
  readonly pid?: number;
  readonly event: EventObject;
  readonly before: ActorState;
  readonly after: ActorState;
  readonly handled: boolean;
}

export class Draft {
  time: number;
  hosts: HostState[];
  vms: VmState[];
  domains: ActorState[];
  procs: Proc[];
  service: unknown;
  pending: PendingCall[];
  timers: Timer[];
  disks: DiskState[];
  nextPid: number;
  nextSeq: number;
  faults: number;
  /** Notes for the trace: what happened inside the step that the step itself does not say. */
  readonly notes: string[] = [];
  /** Notifications for domain actors, processed in order (XState's mailbox, in miniature). */
  readonly inbox: { vm: number; host: number; event: { type: string } }[] = [];
  /** Events delivered to statecharts in this step, in order; null unless observed. */
  readonly transitions: ActorTransition[] | null;

  constructor(private readonly from: World, observe = false) {
    const world = from;
    this.transitions = observe ? [] : null;
    this.time = world.time;
    this.hosts = world.hosts.slice();
    this.vms = world.vms.slice();
    this.domains = world.domains.slice();
    this.procs = world.procs.slice();
    this.service = world.service;
    this.pending = world.pending.slice();
    this.timers = world.timers.slice();
    this.disks = world.disks.slice();
    this.nextPid = world.nextPid;
    this.nextSeq = world.nextSeq;
    this.faults = world.faults;
  }

  get hostCount(): number {
    return this.hosts.length;
  }

  domain(vm: number, host: number): ActorState {
    return this.domains[vm * this.hostCount + host]!;
  }

  setDomain(vm: number, host: number, state: ActorState): void {
    this.domains[vm * this.hostCount + host] = state;
  }

  proc(vm: number, host: number): Proc | undefined {
    return this.procs.find((proc) => proc.vm === vm && proc.host === host);
  }

  procByPid(pid: number): Proc | undefined {
    return this.procs.find((proc) => proc.pid === pid);
  }

  setProc(next: Proc): void {
    const at = this.procs.findIndex((proc) => proc.pid === next.pid);
    if (at >= 0) this.procs[at] = next;
  }

  removeProc(pid: number): void {
    this.procs = this.procs.filter((proc) => proc.pid !== pid);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /**
   * The next World. An array the step left as it was is the original one, so that "did this
   * change?" is an identity test for the checkers' shortcuts and caches (and worlds share more).
   */
  finish(): World {
    const from = this.from;
    return {
      time: this.time,
      hosts: same(this.hosts, from.hosts),
      vms: same(this.vms, from.vms),
      domains: same(this.domains, from.domains),
      procs: same(this.procs, from.procs),
      service: this.service,
      pending: same(this.pending, from.pending),
      timers: same(this.timers, from.timers),
      disks: same(this.disks, from.disks),
      nextPid: this.nextPid,
      nextSeq: this.nextSeq,
      faults: this.faults,
    };
  }
}

/** `original` when `copy` holds the very same elements, else `copy`. */
function same<T>(copy: T[], original: readonly T[]): readonly T[] {
  if (copy.length !== original.length) return copy;
  for (let i = 0; i < copy.length; i++) if (copy[i] !== original[i]) return copy;
  return original;
}
