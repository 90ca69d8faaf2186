/**
 * The `lease` driver's service: the sanlock daemons of every host over one shared lease area, as
 * a pure model on the virtual clock — libvirt's sanlock plugin (`lock_driver_sanlock.c`) in front,
 * sanlock's delta leases, paxos leases, kill escalation and wdmd's watchdog behind
 * (`params.ts` names the timing, `lapse.ts` places it in time, `paxos.ts` holds the leases).
 *
 * As the real daemon (reference sanlock.md, measured here; `docs/sanlock.md`):
 * - the child registers its own connection; libvirtd acquires, releases and inquires on behalf of
 *   its pid; for a pid the host's daemon does not know, all three silently do nothing and succeed
 *   (libvirt's plugin, edge case #14);
 * - a registered connection that closes releases its pid's leases, and the pid runs on: sanlock
 *   3.x's `client_pid_dead` has its SIGKILL commented out (real mode found it: docs/sanlock.md,
 *   D1), so a QEMU whose leaked connection closes runs unleased and unfenced;
 * - a lease another host holds is refused while that host renews (-243), and free once it has
 *   been silent for host_dead_seconds (the model refuses at once where sanlock may block inside
 *   the acquire until then);
 * - state strings are sanlock's, with lease versions; libvirt parses the one passed to acquire
 *   and ignores it (#12) unless `lease_versions` is set;
 * - a stopped daemon answers nothing (OPERATION_TIMEOUT); one restarted after a crash knows
 *   nobody and has not joined the lockspace (libvirt adds it only when libvirtd starts).
 *
 * Not modelled: lockspaces other than `__LIBVIRT__DISKS__` with their own timing, paxos
 * contention (-244…-246, retried by the client), the time a call takes.
 */
import { errorData } from '../../contract/errors.ts';
import type { FailureSemantics } from '../../contract/driver.ts';
import {
  fail, ok, type Grant, type LockServiceModel, type ServiceRequest, type TimedEvent,
} from '../../contract/service.ts';
import { advanceLease, lapsedForAll, leaseEvent, nextInstant, settle } from './lapse.ts';
import { readParams } from './params.ts';
import { dropAll, forgetAll, inquireString, parseLockState, sanlockFailure, takeAll } from './paxos.ts';
import {
  encodeLease, hostOf, registeredOn, registrationOf, type LeaseState,
} from './state.ts';

export const LEASE_FAILURE: FailureSemantics = {
  acquire: 'all-or-nothing',
  release: 'all-or-nothing',
  rationale: 'the sanlock daemon takes all the leases of one acquire or none, and a release ' +
    'drops every held lease it names or (storage failing, daemon stopped) none',
};

/** Why the host's daemon cannot serve a lease call now, or null. */
function unavailable(state: LeaseState, host: number, operation: 'acquire' | 'release',
  what: string) {
  const record = hostOf(state, host);
  if (record.daemon === 'stopped') {
    return errorData('OPERATION_TIMEOUT',
      `sanlock daemon on h${host} does not answer (stopped): ${operation} ${what} may or may not happen`);
  }
  if (record.storage !== 'ok') {
    return sanlockFailure(record.storage === 'eio' ? -5 : -202, operation, what);
  }
  if (operation === 'acquire' && (!record.joined || record.lapse?.failed)) {
    return errorData('SYSTEM_ERROR', `sanlock acquire ${what}: the lockspace __LIBVIRT__DISKS__ ` +
      `is not joined on h${host}${record.lapse?.failed ? ' (its lease failed)' : ''} ` +
      '(ENOSPC, -28)', { errno: 28 });
  }
  return null;
}

function acquire(state: LeaseState, request: ServiceRequest) {
  const { pid, host } = request.owner;
  const what = `for pid ${pid}`;
  if (hostOf(state, host).daemon === 'stopped') return fail(state, unavailable(state, host, 'acquire', what)!, 0);
  // libvirt's plugin: a pid the daemon does not know is silently not locked (#14).
  if (!registeredOn(state, pid, host)) return ok(state, null);
  const parsed = parseLockState(request.lockState);
  if ('error' in parsed) return fail(state, parsed.error, 0);
  const problem = unavailable(state, host, 'acquire', what);
  if (problem) return fail(state, problem, 0);
  const taken = takeAll(state, pid, host, request.resources,
    state.params.leaseVersions ? parsed.state : null);
  if ('error' in taken) return fail(state, taken.error, 0);
  return ok({ ...state, leases: taken.leases }, null);
}

function release(state: LeaseState, request: ServiceRequest) {
  const { pid, host } = request.owner;
  const what = `for pid ${pid}`;
  if (hostOf(state, host).daemon === 'stopped') {
    return fail<LeaseState, string | null>(state, unavailable(state, host, 'release', what)!, 0);
  }
  if (!registeredOn(state, pid, host)) return ok<LeaseState, string | null>(state, null);
  const problem = unavailable(state, host, 'release', what);
  if (problem) {
    // The write fails, the daemon forgets the tokens anyway: the pid no longer uses the
    // lockspace (its killing stops, §6 #17), the leases stay owned on disk.
    const forgotten = settle({ ...state, leases: forgetAll(state, pid, host, request.resources) }, host);
    return fail<LeaseState, string | null>(forgotten, problem, 0);
  }
  const inquired = inquireString(state, pid, host);
  const { leases, unheld } = dropAll(state, pid, host, request.resources);
  const next = settle({ ...state, leases }, host);
  if (unheld.length > 0) {
    return fail<LeaseState, string | null>(next, sanlockFailure(-1, 'release',
      `${unheld.join(', ')} for pid ${pid}`), request.resources.length);
  }
  return ok<LeaseState, string | null>(next, inquired);
}

const grantLists = new WeakMap<object, readonly Grant[]>();

/** The leases that hold others off now: a silent host's are free once host_dead passed. */
function grants(state: LeaseState): readonly Grant[] {
  const cached = grantLists.get(state);
  if (cached) return cached;
  const out: Grant[] = [];
  for (const lease of state.leases) {
    for (const holder of lease.holders) {
      if (lapsedForAll(state, holder.host, holder.generation)) continue;
      out.push({ key: lease.key, resource: lease.resource, owner: holder.pid, host: holder.host,
        mode: lease.shared ? 'shared' : 'exclusive' });
    }
  }
  grantLists.set(state, out);
  return out;
}

export const leaseModel: LockServiceModel<LeaseState> = {
  name: 'lease',
  summary: 'sanlock on the virtual clock: delta-lease renewal, expiry, kill escalation, ' +
    'watchdog fencing, host_dead takeover',
  failure: LEASE_FAILURE,
  usesState: true,
  locks: true,

  initial: (config) => ({ params: readParams(config), now: 0, hosts: [], offsets: [], leases: [],
    registrations: [] }),
  checkResource: () => null,

  register(state, owner, { restrict }) {
    if (hostOf(state, owner.host).daemon === 'stopped') {
      return fail(state, errorData('OPERATION_TIMEOUT',
        `sanlock daemon on h${owner.host} does not answer (stopped): registration of pid ${owner.pid}`), 0);
    }
    const registrations = [...state.registrations.filter((r) => r.pid !== owner.pid),
      { pid: owner.pid, host: owner.host, restricted: restrict }].sort((a, b) => a.pid - b.pid);
    return ok({ ...state, registrations }, null);
  },
  acquire,
  release,
  inquire(state, request) {
    const { pid, host } = request.owner;
    if (!registeredOn(state, pid, host)) return ok(state, null);
    return ok(state, inquireString(state, pid, host));
  },
  callFromOwner(state, request, operation) {
    const registration = registrationOf(state, request.owner.pid);
    if (!registration || registration.host !== request.owner.host) {
      return fail(state, sanlockFailure(-3, 'acquire', `for pid ${request.owner.pid}`), 0);
    }
    if (registration.restricted) {
      return fail(state, errorData('OPERATION_DENIED',
        'operation forbidden: the sanlock connection was restricted (RESTRICT_ALL)'), 0);
    }
    const reply = operation === 'acquire' ? acquire(state, request) : release(state, request);
    return reply.ok ? ok(reply.state, null) : reply;
  },
  ownerGone(state, owner) {
    const registration = registrationOf(state, owner.pid);
    if (!registration || registration.host !== owner.host) return { state, released: 0, kill: false };
    const registrations = state.registrations.filter((r) => r.pid !== owner.pid);
    const record = hostOf(state, owner.host);
    // sanlock 3.x's client_pid_dead does not SIGKILL the pid whose registered connection closed
    // (the kill is commented out: it could not always be done without root), so a QEMU whose
    // leaked connection closes runs on without its leases (docs/sanlock.md, D1). Releasing
    // writes the lease: with its storage failing the lease stays held on disk.
    if (record.storage !== 'ok') {
      return { state: settle({ ...state, registrations }, owner.host), released: 0, kill: false };
    }
    let released = 0;
    const leases = state.leases.map((lease) => {
      const holders = lease.holders.filter((h) => !(h.pid === owner.pid && h.host === owner.host));
      released += lease.holders.length - holders.length;
      return holders.length === lease.holders.length ? lease : { ...lease, holders };
    });
    return { state: settle({ ...state, registrations, leases }, owner.host), released, kill: false };
  },
  daemonCrash: (state, host) => leaseEvent(state, state.now, { kind: 'daemon-crash', host }),
  // sanlock has no re-exec: a daemon with lockspaces cannot be restarted in place.
  daemonReexec: (state) => state,
  hostCrash: (state, host) => leaseEvent(state, state.now, { kind: 'host-crash', host }),

  grants,
  registration(state, pid) {
    const registration = registrationOf(state, pid);
    if (!registration) return 'none';
    return registration.restricted ? 'restricted' : 'registered';
  },
  encode: encodeLease,

  timed: {
    next: nextInstant,
    advance: advanceLease,
    event: (state, now, event: TimedEvent) => leaseEvent(state, now, event),
  },
};
