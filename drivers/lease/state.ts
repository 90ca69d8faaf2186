/**
 * The lease model's state: what is on the shared storage (paxos leases, their owners and
 * versions), what each host's sanlock daemon is doing (joined, renewing or not, stopped, its
 * watchdog), and who is registered with which daemon. Plain immutable data; times are
 * milliseconds of the virtual clock. A host with no record is the default one: daemon up, lockspace
 * joined, storage fine, renewing, generation 1, its clock exact.
 */
import type { LeaseParams } from './params.ts';

/** One owner of a paxos lease: a pid, through its host's daemon, in a delta-lease generation. */
export interface LeaseHolder {
  readonly pid: number;
  readonly host: number;
  readonly generation: number;
  /**
   * Released by the pid, but the release could not be written (its storage failing): the
   * daemon forgot the lease, the disk did not — others wait for host_dead as for a silent host.
   */
  readonly onDiskOnly?: true;
}

/** A paxos lease on shared storage (libvirt names disk leases by the MD5 of the path). */
export interface PaxosLease {
  readonly key: string;
  /** The resource as first requested (a disk path as spelled). */
  readonly resource: string;
  readonly shared: boolean;
  /** The lease version: every acquire commits the next one (what state strings carry). */
  readonly lver: number;
  /** Sorted by host, then pid. Empty: free (the lease keeps its version). */
  readonly holders: readonly LeaseHolder[];
}

/** When one observer may take a silent host's leases over (`observer` null: every default one). */
export interface Takeover {
  readonly observer: number | null;
  readonly at: number;
  readonly passed: boolean;
}

/**
 * A host that stopped renewing its delta lease, and what follows from it, each at its instant.
 */
export interface Lapse {
  /** Its last successful renewal (what other hosts last saw change). */
  readonly lastRenewal: number;
  /** The daemon's own check declares the lease failed (null: done, or no daemon to check). */
  readonly failAt: number | null;
  /** SIGKILL instead of SIGTERM from then on (null: done, or no daemon). */
  readonly sigkillAt: number | null;
  /** The lease has failed: the daemon is killing the pids that use it. */
  readonly failed: boolean;
  /** The watchdog resets the host then (null: no watchdog, or cleared in time). */
  readonly resetAt: number | null;
  /** The daemon died: nothing can clear its wdmd connection, the reset will come. */
  readonly resetFixed: boolean;
  readonly takeovers: readonly Takeover[];
}

export type DaemonState = 'up' | 'stopped' | 'restarted';

export interface LeaseHost {
  readonly host: number;
  /** The delta lease's generation: a new join makes the old generation's leases free. */
  readonly generation: number;
  /** `stopped`: SIGSTOP; `restarted`: a fresh daemon after a crash, which knows nobody. */
  readonly daemon: DaemonState;
  readonly joined: boolean;
  /** A rebooted host joins its lockspace again then. */
  readonly joinAt: number | null;
  readonly storage: 'ok' | 'eio' | 'stall';
  readonly storageUntil: number | null;
  /** SIGCONT of a stopped daemon. */
  readonly continueAt: number | null;
  /** wdmd and /dev/watchdog protect this host. */
  readonly watchdog: boolean;
  readonly lapse: Lapse | null;
}

export interface LeaseRegistration {
  readonly pid: number;
  readonly host: number;
  readonly restricted: boolean;
}

export interface LeaseState {
  /** Fixed for a run (not encoded: a run's states all share it). */
  readonly params: LeaseParams;
  /** The instant the service last acted at (its last `advance` or event). */
  readonly now: number;
  /** Hosts that differ from the default one, sorted by host. */
  readonly hosts: readonly LeaseHost[];
  /** Clock offsets (forward jumps, ms) of hosts whose clock jumped, sorted by host. */
  readonly offsets: readonly { readonly host: number; readonly offset: number }[];
  /** Sorted by key. */
  readonly leases: readonly PaxosLease[];
  /** Sorted by pid. */
  readonly registrations: readonly LeaseRegistration[];
}

export function defaultHost(params: LeaseParams, host: number): LeaseHost {
  return { host, generation: 1, daemon: 'up', joined: true, joinAt: null, storage: 'ok',
    storageUntil: null, continueAt: null, watchdog: params.useWatchdog, lapse: null };
}

export function hostOf(state: LeaseState, host: number): LeaseHost {
  for (const record of state.hosts) if (record.host === host) return record;
  return defaultHost(state.params, host);
}

export function withHost(state: LeaseState, record: LeaseHost): LeaseState {
  const hosts = state.hosts.filter((other) => other.host !== record.host);
  hosts.push(record);
  hosts.sort((a, b) => a.host - b.host);
  return { ...state, hosts };
}

export function registrationOf(state: LeaseState, pid: number): LeaseRegistration | undefined {
  for (const registration of state.registrations) if (registration.pid === pid) return registration;
  return undefined;
}

/** Whether `pid` is registered with `host`'s daemon: alive, as far as that daemon knows. */
export function registeredOn(state: LeaseState, pid: number, host: number): boolean {
  const registration = registrationOf(state, pid);
  return registration !== undefined && registration.host === host;
}

const num = (n: number | null) => (n === null ? '-' : String(n));

function encodeLapse(lapse: Lapse | null): string {
  if (lapse === null) return '';
  const takeovers = lapse.takeovers.map((t) => `${t.observer ?? '*'}@${t.at}${t.passed ? '!' : ''}`);
  return `[${lapse.lastRenewal} f${num(lapse.failAt)} k${num(lapse.sigkillAt)}` +
    `${lapse.failed ? ' F' : ''} r${num(lapse.resetAt)}${lapse.resetFixed ? '!' : ''} ` +
    `${takeovers.join(',')}]`;
}

/** The canonical string of a state: equal states, equal strings. */
export function encodeLease(state: LeaseState): string {
  let out = `t${state.now}|`;
  for (const h of state.hosts) {
    out += `h${h.host}g${h.generation}${h.daemon[0]}${h.joined ? 'j' : 'u'}${num(h.joinAt)}` +
      `${h.storage[0]}${num(h.storageUntil)}c${num(h.continueAt)}${h.watchdog ? 'w' : ''}` +
      `${encodeLapse(h.lapse)};`;
  }
  out += '|';
  for (const o of state.offsets) out += `o${o.host}+${o.offset};`;
  out += '|';
  for (const lease of state.leases) {
    out += `${lease.key}${lease.shared ? 's' : 'x'}${lease.lver}`;
    for (const holder of lease.holders) {
      out += `,${holder.pid}@${holder.host}.${holder.generation}${holder.onDiskOnly ? 'd' : ''}`;
    }
    out += ';';
  }
  out += '|';
  for (const r of state.registrations) out += `${r.pid}@${r.host}${r.restricted ? 'r' : ''};`;
  return out;
}
