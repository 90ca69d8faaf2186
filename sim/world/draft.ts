/**
 * A mutable working copy of a World for the duration of one step. Steps are easier to write as
 * a sequence of small imperative operations; `finish()` freezes the result into the next World
 * (arrays are copied when first touched, elements are immutable and shared).
 */
import type { EventObject } from 'xstate';
import type { ActorState } from '../../machines/interned.ts';
import type { CompletedCall } from './lock-calls.ts';
import type {
  SupervisorSlot,
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

const NO_NOTES: readonly string[] = Object.freeze([]);
const NO_CALLS: readonly CompletedCall[] = Object.freeze([]);

/**
 * The step's working copy. Each array is copied from the world the first time the step touches
 * it through its property (reads included: a caller may mutate what it gets); the read-only
 * lookups (`domain`, `proc`, `procByPid`, the `…View` getters) do not copy. An array never
 * copied is the world's own in the next World.
 */
export class Draft {
  time: number;
  service: unknown;
  nextPid: number;
  nextSeq: number;
  faults: number;
  orphanGrants: readonly string[];
  /** Notes for the trace: what happened inside the step that the step itself does not say
   * (allocated by the first note: most steps have none). */
  notes: readonly string[] = NO_NOTES;
  /** The lock calls that completed in this step, in order (allocated by the first). */
  lockCalls: readonly CompletedCall[] = NO_CALLS;
  /** Notifications for domain actors, processed in order (XState's mailbox, in miniature). */
  readonly inbox: { vm: number; host: number; event: { type: string } }[] = [];
  /** Events delivered to statecharts in this step, in order; null unless observed. */
  readonly transitions: ActorTransition[] | null;
  private hostsCopy: HostState[] | null = null;
  private vmsCopy: VmState[] | null = null;
  private domainsCopy: ActorState[] | null = null;
  private procsCopy: Proc[] | null = null;
  private pendingCopy: PendingCall[] | null = null;
  private timersCopy: Timer[] | null = null;
  private disksCopy: DiskState[] | null = null;
  private supervisorsCopy: (SupervisorSlot | null)[] | null = null;

  constructor(private readonly from: World, observe = false) {
    this.transitions = observe ? [] : null;
    this.time = from.time;
    this.service = from.service;
    this.nextPid = from.nextPid;
    this.nextSeq = from.nextSeq;
    this.faults = from.faults;
    this.orphanGrants = from.orphanGrants;
  }

  get hosts(): HostState[] { return this.hostsCopy ??= this.from.hosts.slice(); }
  set hosts(value: HostState[]) { this.hostsCopy = value; }
  get vms(): VmState[] { return this.vmsCopy ??= this.from.vms.slice(); }
  set vms(value: VmState[]) { this.vmsCopy = value; }
  get domains(): ActorState[] { return this.domainsCopy ??= this.from.domains.slice(); }
  set domains(value: ActorState[]) { this.domainsCopy = value; }
  get procs(): Proc[] { return this.procsCopy ??= this.from.procs.slice(); }
  set procs(value: Proc[]) { this.procsCopy = value; }
  get pending(): PendingCall[] { return this.pendingCopy ??= this.from.pending.slice(); }
  set pending(value: PendingCall[]) { this.pendingCopy = value; }
  get timers(): Timer[] { return this.timersCopy ??= this.from.timers.slice(); }
  set timers(value: Timer[]) { this.timersCopy = value; }
  get disks(): DiskState[] { return this.disksCopy ??= this.from.disks.slice(); }
  get supervisors(): (SupervisorSlot | null)[] { return this.supervisorsCopy ??= this.from.supervisors.slice(); }
  get supervisorsView(): readonly (SupervisorSlot | null)[] {
    return this.supervisorsCopy ?? this.from.supervisors;
  }
  set disks(value: DiskState[]) { this.disksCopy = value; }

  /** The VMs as they stand, without copying (do not mutate). */
  get vmsView(): readonly VmState[] {
    return this.vmsCopy ?? this.from.vms;
  }

  /** The calls in flight as they stand, without copying. */
  get pendingView(): readonly PendingCall[] {
    return this.pendingCopy ?? this.from.pending;
  }

  /** The processes as they stand, without copying. */
  get procsView(): readonly Proc[] {
    return this.procsCopy ?? this.from.procs;
  }

  /** The disks as they stand, without copying. */
  get disksView(): readonly DiskState[] {
    return this.disksCopy ?? this.from.disks;
  }

  get hostCount(): number {
    return this.from.hosts.length;
  }

  domain(vm: number, host: number): ActorState {
    return (this.domainsCopy ?? this.from.domains)[vm * this.hostCount + host]!;
  }

  setDomain(vm: number, host: number, state: ActorState): void {
    if (this.domain(vm, host) === state) return;
    this.domains[vm * this.hostCount + host] = state;
  }

  // Plain loops, not `find` with a closure: these run several times in every step.
  proc(vm: number, host: number): Proc | undefined {
    const procs = this.procsCopy ?? this.from.procs;
    for (let i = 0; i < procs.length; i++) {
      const proc = procs[i]!;
      if (proc.vm === vm && proc.host === host) return proc;
    }
    return undefined;
  }

  procByPid(pid: number): Proc | undefined {
    const procs = this.procsCopy ?? this.from.procs;
    for (let i = 0; i < procs.length; i++) if (procs[i]!.pid === pid) return procs[i];
    return undefined;
  }

  setProc(next: Proc): void {
    const procs = this.procs;
    for (let i = 0; i < procs.length; i++) {
      if (procs[i]!.pid === next.pid) {
        procs[i] = next;
        return;
      }
    }
  }

  removeProc(pid: number): void {
    this.procs = this.procs.filter((proc) => proc.pid !== pid);
  }

  note(text: string): void {
    this.notes = [...this.notes, text];
  }

  completed(call: CompletedCall): void {
    if (this.lockCalls === NO_CALLS) this.lockCalls = [call];
    else (this.lockCalls as CompletedCall[]).push(call);
  }

  /**
   * The next World. An array the step left as it was is the original one, so that "did this
   * change?" is an identity test for the checkers' shortcuts and caches (and worlds share more).
   */
  finish(): World {
    const from = this.from;
    return {
      time: this.time,
      hosts: same(this.hostsCopy, from.hosts),
      vms: same(this.vmsCopy, from.vms),
      domains: same(this.domainsCopy, from.domains),
      procs: same(this.procsCopy, from.procs),
      service: this.service,
      pending: same(this.pendingCopy, from.pending),
      timers: same(this.timersCopy, from.timers),
      disks: same(this.disksCopy, from.disks),
      nextPid: this.nextPid,
      nextSeq: this.nextSeq,
      faults: this.faults,
      supervisors: same(this.supervisorsCopy, from.supervisors),
      orphanGrants: this.orphanGrants,
    };
  }
}

/** `original` when the step made no copy or the copy holds the very same elements, else `copy`. */
function same<T>(copy: T[] | null, original: readonly T[]): readonly T[] {
  if (copy === null) return original;
  if (copy.length !== original.length) return copy;
  for (let i = 0; i < copy.length; i++) if (copy[i] !== original[i]) return copy;
  return original;
}
