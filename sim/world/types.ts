/**
 * The simulated world as plain, immutable data: several hosts sharing storage, each with a
 * libvirtd (one domain statechart per VM), a lock daemon (the driver's service model) and
 * supervised QEMU processes (process statecharts), plus disks that log who writes them.
 *
 * Steps never mutate a World; they build the next one, sharing what did not change. That lets
 * the explorer keep states, the shrinker replay prefixes, and checkers compare before/after.
 */
import type { LockMode } from '../../contract/flags.ts';
import type { ActorState } from '../../machines/interned.ts';

/** One use of a physical disk by a VM: which disk, how, and how its path is spelled. */
export interface DiskUse {
  /** Index of the physical disk on shared storage. */
  readonly disk: number;
  readonly mode: LockMode;
  /** The path as the VM's configuration spells it (an alias when `path-alias` struck). */
  readonly path: string;
}

export interface VmDefinition {
  readonly name: string;
  /** Disks attached at start. */
  readonly disks: readonly DiskUse[];
  /** Disks that hotplug may attach while the VM runs. */
  readonly spares: readonly DiskUse[];
}

export interface Migration {
  readonly from: number;
  readonly to: number;
}

export interface VmState {
  readonly definition: VmDefinition;
  /** A migration between two hosts in progress, or null. */
  readonly migration: Migration | null;
}

export interface HostState {
  /** libvirtd is up. (It restarts at once after a crash; the flag exists for the timeline.) */
  readonly libvirtd: boolean;
  /** How many times this host's lock daemon started (crash = restart empty). */
  readonly daemonEpoch: number;
}

/** A live QEMU process. Dead processes leave the table; their pids stay dead for ever. */
export interface Proc {
  readonly pid: number;
  readonly vm: number;
  readonly host: number;
  readonly actor: ActorState;
  /** The devices it can write: what libvirtd attached (boot disks plus hotplugged ones). */
  readonly devices: readonly DiskUse[];
  /** SIGTERM was sent; the process will exit (an `exit` step), or be SIGKILLed at the grace. */
  readonly terminating: boolean;
  /**
   * Disks it released on pause or at a migration's switchover, and whether another owner was
   * granted one since (`releases.ts`, for S9); absent when none, and for drivers without state.
   */
  readonly released?: readonly ReleasedDisk[];
}

export interface ReleasedDisk {
  readonly disk: number;
  /** Another owner was granted the disk after this process released it. */
  readonly overtaken: boolean;
}

/** A lock call in flight: an invoked actor of a domain statechart, not yet completed. */
export interface PendingCall {
  readonly seq: number;
  readonly vm: number;
  readonly host: number;
  /** The invoke id in the domain machine (`acquireLocks`, `registerOwner`, …). */
  readonly invoke: string;
  /** The named actor (`acquireLocks`, …); the kind of call. */
  readonly src: string;
  readonly disks: readonly DiskUse[];
  readonly lockState: string | null;
  /** The QEMU pid the call is made for (the owner). */
  readonly pid: number;
  /** The domain left the invoking state: the call still completes, its result is dropped. */
  readonly orphan: boolean;
}

export interface Timer {
  readonly vm: number;
  readonly host: number;
  readonly id: string;
  readonly event: { readonly type: string };
  readonly due: number;
}

/** A write a process made to a physical disk: what the checkers judge. */
export interface DiskWrite {
  readonly pid: number;
  readonly vm: number;
  readonly host: number;
  readonly mode: LockMode;
  readonly time: number;
}

export interface DiskState {
  readonly path: string;
  /** Processes that wrote this disk and have been running ever since (live writers). */
  readonly liveWriters: readonly DiskWrite[];
  /** How many writes the disk has seen in all. */
  readonly writes: number;
}

/**
 * The RFC design's supervisor of one VM instance (`sim/world/supervisor.ts`): it holds the VM's
 * leases through one long-lived manager context, and its child is the VM's QEMU (the process of
 * the same VM and host). It lives as long as its child, unless it crashes first.
 */
export interface SupervisorSlot {
  /** False once the supervisor died (`supervisor-crash`): its connection closed, its child runs on. */
  readonly alive: boolean;
  /** The supervisor's manager statechart (root state; its passive children are not kept). */
  readonly manager: ActorState;
  /** The invoked driver call the manager waits for (started by an earlier call), or null. */
  readonly awaiting: string | null;
}

export interface World {
  readonly time: number;
  readonly hosts: readonly HostState[];
  readonly vms: readonly VmState[];
  /** The domain statechart of VM v on host h, at index v * hosts + h. */
  readonly domains: readonly ActorState[];
  readonly procs: readonly Proc[];
  /** The lock service model's state (its type depends on the driver). */
  readonly service: unknown;
  readonly pending: readonly PendingCall[];
  readonly timers: readonly Timer[];
  readonly disks: readonly DiskState[];
  readonly nextPid: number;
  readonly nextSeq: number;
  /** Faults injected so far. */
  readonly faults: number;
  /**
   * The RFC design's supervisors, at index v * hosts + h like `domains` (null: none); empty under
   * the libvirt design.
   */
  readonly supervisors: readonly (SupervisorSlot | null)[];
  /**
   * Grants the service made to an owner that was already dead when it made them, as
   * `pid:key` (`orphan-grants.ts`): the known virtlockd leak, told apart from grants that
   * outlived their owner (S7 and S7d).
   */
  readonly orphanGrants: readonly string[];
}

export function domainIndex(world: World, vm: number, host: number): number {
  return vm * world.hosts.length + host;
}

export function domainOf(world: World, vm: number, host: number): ActorState {
  const domain = world.domains[domainIndex(world, vm, host)];
  if (!domain) throw new RangeError(`no domain for vm ${vm} on host ${host}`);
  return domain;
}

export function procOf(world: World, vm: number, host: number): Proc | undefined {
  return world.procs.find((proc) => proc.vm === vm && proc.host === host);
}

export function procByPid(world: World, pid: number): Proc | undefined {
  return world.procs.find((proc) => proc.pid === pid);
}
