/**
 * The lock *service* a driver talks to, as a pure model: what the simulator and the exhaustive
 * explorer step.
 *
 * A `LockDriver` (driver.ts) is what libvirt calls; behind it sits a service that holds the
 * locks (virtlockd and the kernel's fcntl table, the sanlock daemon, nothing for nop). Faults hit
 * the service, not the driver: a daemon crashes and restarts empty, re-executes itself, a
 * process's connection closes. To explore those faults deterministically, and every outcome a
 * failed call may leave behind, the simulator needs the service as a pure function of an
 * explicit state: `(state, request) → (state', reply)`, no I/O, no clock, no randomness.
 *
 * A model is the executable form of a driver's contract. `drivers/model` is virtlockd's exact
 * semantics, `drivers/nop` the absence of locking; canaries are deliberately broken variants.
 * `service-driver.ts` turns any model into a `LockDriver`, so the same code serves the API faces,
 * the conformance suite, the simulator and the explorer. Real drivers (kernel locks, virtlockd)
 * are checked against these models in the simulator's real mode.
 */
import type { LockErrorData } from './errors.ts';
import type { DriverConfig, FailureSemantics } from './driver.ts';
import type { ResourceSpec } from './resources.ts';

/** A lock owner: the VM process's pid, on the host whose lock daemon serves it. */
export interface Owner {
  readonly pid: number;
  readonly host: number;
}

/** One lock the service currently enforces. */
export interface Grant {
  /** The lock identity the service derived (direct path, lockspace/SHA-256, lease key). */
  readonly key: string;
  /** The resource name as requested (a disk path as spelled by the caller). */
  readonly resource: string;
  readonly owner: number;
  /** The host whose daemon holds the grant. */
  readonly host: number;
  readonly mode: 'exclusive' | 'shared';
}

export type ServiceReply<S, V = null> =
  | { readonly ok: true; readonly state: S; readonly value: V }
  | {
      readonly ok: false;
      readonly state: S;
      readonly error: LockErrorData;
      /** How many of the requested resources took effect before the failure. */
      readonly done: number;
    };

export interface ServiceRequest {
  readonly owner: Owner;
  readonly resources: readonly ResourceSpec[];
  /** The state string passed to acquire (from an earlier release or inquire). */
  readonly lockState?: string | null;
}

/** What the service did when an owner's registered connection closed. */
export interface OwnerGoneResult<S> {
  readonly state: S;
  /** How many grants were released because of it. */
  readonly released: number;
  /** Whether the daemon kills the owner process (virtlockd does when it released anything). */
  readonly kill: boolean;
}

export interface LockServiceModel<S> {
  readonly name: string;
  /** One line for `lockchart --help` and the matrix legend. */
  readonly summary: string;
  readonly failure: FailureSemantics;
  /** Whether release/inquire return state strings (libvirt's USES_STATE). */
  readonly usesState: boolean;
  /**
   * Whether the service holds locks at all. Lock-level invariants (a running process holds its
   * locks, grants exclude each other) are meaningless for a service that holds none (nop); only
   * effect-level ones (who wrote which disk) apply to it.
   */
  readonly locks: boolean;

  initial(config: DriverConfig): S;

  /** Driver-level resource check at addResource time (e.g. lockd: lease offset must be 0). */
  checkResource(resource: ResourceSpec): LockErrorData | null;

  /** acquire(REGISTER_ONLY): the owner registers its own connection (in the child). */
  register(state: S, owner: Owner, options: { readonly restrict: boolean }): ServiceReply<S>;
  /** acquire(0): take every resource for the owner, in order. */
  acquire(state: S, request: ServiceRequest): ServiceReply<S>;
  /** release(): release every resource of the owner, in order; may return a state string. */
  release(state: S, request: ServiceRequest): ServiceReply<S, string | null>;
  /** inquire(): the owner's current state string, or null. */
  inquire(state: S, request: ServiceRequest): ServiceReply<S, string | null>;
  /**
   * A lock call arriving through the owner's *own* registered connection (the fd leaked into
   * QEMU). After RESTRICT it must change nothing.
   */
  callFromOwner(
    state: S,
    request: ServiceRequest,
    operation: 'acquire' | 'release',
  ): ServiceReply<S>;

  /** The owner's registered connection closed: process exit, crash, kill, or fd closed. */
  ownerGone(state: S, owner: Owner): OwnerGoneResult<S>;
  /** The host's lock daemon died and was restarted empty (socket activation). */
  daemonCrash(state: S, host: number): S;
  /** The host's lock daemon re-executed itself keeping its state (virtlockd's SIGUSR1). */
  daemonReexec(state: S, host: number): S;
  /** The host died: its daemon and every lock it held are gone. */
  hostCrash(state: S, host: number): S;

  /** Every lock the service enforces now, in a deterministic order. */
  grants(state: S): readonly Grant[];
  /** Whether the owner has a registered connection, and whether it is restricted. */
  registration(state: S, pid: number): 'none' | 'registered' | 'restricted';
  /** A canonical string: equal states give equal strings (hashing, memoisation, replay checks). */
  encode(state: S): string;
  /**
   * Optional, for the exhaustive explorer: the state with every owner pid, host and resource
   * name renamed by `map`, in the order `encode` expects — the state the service would be in
   * had the world used the new names all along (or undefined when the renaming is not a symmetry of
   * the model's configuration, e.g. a path alias table it would break). The explorer uses it to
   * number pids canonically and to merge worlds that differ by a permutation of hosts, VMs and
   * disks (`docs/explorer.md`). A model that provides it promises that its behaviour depends on
   * pids, hosts and resource names through equality alone — never their order or value — and
   * that `ownerGone` for two different owners commutes. Models without it are explored with raw
   * pids and no symmetry reduction.
   */
  relabel?(state: S, map: Relabelling): S | undefined;
  /**
   * Optional: a service that acts on its own as time passes (sanlock's leases: renewal, expiry,
   * kill escalation, watchdog fencing). A model without it has no notion of time, and the
   * simulator never asks it about time. See `TimedService`.
   */
  readonly timed?: TimedService<S>;
}

/**
 * The part of a service that lives on the virtual clock (milliseconds of `World.time`). The
 * service's state changes by itself only at *instants* it names: the simulator processes every
 * instant the clock reaches, in order, before the next step (so none is ever late), and a `time`
 * step lets the clock jump to the next one. Between instants the state is constant, so the
 * untimed calls (`acquire`, `release` …) need no clock: whatever depends on time was decided at
 * an instant (a host's lease expired, a lease became free to take over).
 */
export interface TimedService<S> {
  /** The next instant at which the service acts by itself, or null when nothing is due. */
  next(state: S): number | null;
  /** What the service does at instant `now` (the one `next` named): the new state and effects. */
  advance(state: S, now: number): TimedEffects<S>;
  /**
   * An event of the environment at `now` that the service must place in time (a crash, a storage
   * fault, a stopped daemon, a clock that jumps). Null when the service has no such part: the
   * fault cannot strike it.
   */
  event(state: S, now: number, event: TimedEvent): S | null;
}

/** What a timed service did at an instant. */
export interface TimedEffects<S> {
  readonly state: S;
  /**
   * Signals the service sends to owner processes (sanlock's kill escalation), in order;
   * `suspend`: its killpath helper asks libvirtd to suspend the owner's domain instead of a
   * SIGTERM (libvirt's `on_lockfailure='pause'`, `libvirt_sanlock_helper`).
   */
  readonly signals: readonly { readonly pid: number;
    readonly signal: 'SIGTERM' | 'SIGKILL' | 'suspend' }[];
  /** Hosts whose watchdog fired: each is reset, everything on it dies. */
  readonly resets: readonly number[];
  /** One line each for the trace: what happened at the instant. */
  readonly notes: readonly string[];
}

/** Environment events a timed service places in time (`TimedService.event`). */
export type TimedEvent =
  /** The host's lock daemon dies and is started again, empty (the `daemon-crash` fault). */
  | { readonly kind: 'daemon-crash'; readonly host: number }
  /** The host dies and reboots (`host-crash`, or a watchdog reset). */
  | { readonly kind: 'host-crash'; readonly host: number }
  /** The host's lock daemon is stopped (SIGSTOP) for `ms`, then continued. */
  | { readonly kind: 'daemon-pause'; readonly host: number; readonly ms: number }
  /** The host's lease storage fails (EIO) or hangs, for `ms` (null: until the end). */
  | { readonly kind: 'storage'; readonly host: number; readonly mode: 'eio' | 'stall';
      readonly ms: number | null }
  /** The host's monotonic clock jumps forward by `ms`. */
  | { readonly kind: 'clock-jump'; readonly host: number; readonly ms: number }
  /** The host loses its watchdog (wdmd stopped, `-w 0`): nothing fences it any more. */
  | { readonly kind: 'watchdog-off'; readonly host: number };

/** A renaming of the identities a service state mentions (see `LockServiceModel.relabel`). */
export interface Relabelling {
  /** The new pid of an owner pid; injective. */
  pid(pid: number): number;
  /** The new index of a host; a permutation. */
  host(host: number): number;
  /** The new name of a resource as spelled; a bijection (names it does not know stay). */
  resource(name: string): string;
}

/** Helper for models: a successful reply. */
export function ok<S, V = null>(state: S, value: V): ServiceReply<S, V> {
  return { ok: true, state, value };
}

/** Helper for models: a failed reply after `done` resources took effect. */
export function fail<S, V = null>(
  state: S,
  error: LockErrorData,
  done: number,
): ServiceReply<S, V> {
  return { ok: false, state, error, done };
}
