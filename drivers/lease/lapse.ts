/**
 * What happens on the clock when a host stops renewing its delta lease (sanlock's `main.c`
 * `kill_pids`, `lockspace.c` `check_our_lease`, wdmd, `paxos_acquire`), one instant at a time:
 *
 * - the daemon's own check fails the lease at `last renewal + id_renewal_fail_seconds` (its
 *   clock): from then on it SIGTERMs every pid holding a lease in the lockspace, and from
 *   `+ kill_grace_seconds` on it SIGKILLs them; once they are all gone it removes the lockspace
 *   and clears its wdmd connection, so the watchdog does not fire;
 * - a stopped daemon (SIGSTOP) checks nothing: when it continues, a failed lease gets SIGTERM, or
 *   at once SIGKILL if the grace is over (reference: "daemon b saw check_our_lease failed 71 … and
 *   SIGKILLed its holder at once");
 * - wdmd keeps /dev/watchdog alive until the renewal's expiry (`+ id_renewal_fail_seconds`, one
 *   second early at worst); the watchdog then resets the host `watchdog_fire_timeout` later, in
 *   real time, unless the daemon cleared the connection first — which a dead daemon cannot;
 * - every other host may take the silent host's leases over once its own clock says
 *   `host_dead_seconds` passed since it last saw the delta lease change — at the renewal itself
 *   in the worst case;
 * - a host that was reset or rebooted joins again (a new generation) once its old delta lease is
 *   dead; the old generation's leases are free from then on.
 */
import type { TimedEffects, TimedEvent } from '../../contract/service.ts';
import { lastRenewal, localTime, ownClock, ownClockHosts, rateOf, virtualAt } from './clock.ts';
import { WDMD_KEEPALIVE_LEAD_MS } from './params.ts';
import {
  hostOf, withHost, type Lapse, type LeaseHost, type LeaseState, type PaxosLease, type Takeover,
} from './state.ts';

type Signal = TimedEffects<LeaseState>['signals'][number];

/** Pids the host's daemon knows (registered with it) that hold leases of its generation. */
export function liveHolders(state: LeaseState, host: number): number[] {
  const record = hostOf(state, host);
  const pids = new Set<number>();
  for (const lease of state.leases) {
    for (const holder of lease.holders) {
      if (holder.host === host && holder.generation === record.generation && !holder.onDiskOnly &&
        state.registrations.some((r) => r.pid === holder.pid && r.host === host)) {
        pids.add(holder.pid);
      }
    }
  }
  return [...pids].sort((a, b) => a - b);
}

/** When each observer may take over the leases of a host that last renewed at `renewal`. */
function takeoversFrom(state: LeaseState, host: number, renewal: number): Takeover[] {
  const dead = state.params.hostDeadMs;
  const out: Takeover[] = [{ observer: null, at: renewal + dead + 1, passed: false }];
  for (const observer of ownClockHosts(state)) {
    if (observer === host) continue;
    out.push({ observer, at: virtualAt(state, observer, localTime(state, observer, renewal) + dead) + 1,
      passed: false });
  }
  return out;
}

/**
 * A new lapse: the host's last renewal was at `renewal` (its clock read `reading` then); the
 * deadlines are read on its clock as it is now.
 */
function newLapse(state: LeaseState, record: LeaseHost, renewal: number, reading: number,
  now: number, watchdog: boolean): Lapse {
  const p = state.params;
  const due = (ms: number) => Math.max(now, virtualAt(state, record.host, reading + ms));
  const keepalive = due(p.idRenewalFailMs - WDMD_KEEPALIVE_LEAD_MS);
  return {
    lastRenewal: renewal, failAt: due(p.idRenewalFailMs), sigkillAt: due(p.idRenewalFailMs + p.killGraceMs),
    failed: false, resetAt: watchdog ? keepalive + p.fireTimeoutMs : null, resetFixed: false,
    takeovers: takeoversFrom(state, record.host, renewal),
  };
}

/** The host stops renewing now (unless it already did): its lapse. */
function lapseNow(state: LeaseState, record: LeaseHost, now: number): Lapse {
  if (record.lapse) return record.lapse;
  const renewal = lastRenewal(state, record.host, now);
  return newLapse(state, record, renewal, localTime(state, record.host, renewal), now,
    record.watchdog && record.joined);
}

function signal(state: LeaseState, host: number, kind: 'SIGTERM' | 'SIGKILL', out: Signal[],
  notes: string[]): void {
  const pids = liveHolders(state, host);
  if (pids.length === 0) return;
  const how = state.params.holderSigterm;
  if (kind === 'SIGTERM' && how === 'pause') {
    // The killpath helper runs instead of a SIGTERM: libvirtd suspends the domain.
    for (const pid of pids) out.push({ pid, signal: 'suspend' });
    notes.push(`h${host}'s sanlock daemon runs the killpath helper for pid ${pids.join(', ')} ` +
      '(on_lockfailure pause)');
    return;
  }
  const sent = kind === 'SIGKILL' || how === 'exit';
  for (const pid of pids) if (sent) out.push({ pid, signal: kind });
  notes.push(`h${host}'s sanlock daemon sends ${kind} to pid ${pids.join(', ')}` +
    (sent ? '' : ' (ignored)'));
}

/**
 * After pids left a failed lockspace: once none is left, the daemon removes the lockspace and
 * clears its wdmd connection (no reset any more, unless the daemon that armed it died).
 */
export function settle(state: LeaseState, host: number): LeaseState {
  const record = hostOf(state, host);
  const lapse = record.lapse;
  if (!lapse?.failed || record.daemon !== 'up' || !record.joined) return state;
  if (liveHolders(state, host).length > 0) return state;
  return withHost(state, { ...record, joined: false,
    lapse: lapse.resetFixed ? lapse : { ...lapse, resetAt: null } });
}

/** Drops the leases of `host` that its daemon can release now: their pid is gone. */
function releaseOrphans(state: LeaseState, host: number): LeaseState {
  const record = hostOf(state, host);
  if (record.daemon !== 'up' || record.storage !== 'ok') return state;
  const orphan = (h: PaxosLease['holders'][number]) => h.host === host &&
    h.generation === record.generation && !state.registrations.some((r) => r.pid === h.pid && r.host === host);
  if (!state.leases.some((lease) => lease.holders.some(orphan))) return state;
  const leases = state.leases.map((lease) => lease.holders.some(orphan)
    ? { ...lease, holders: lease.holders.filter((h) => !orphan(h)) } : lease);
  return { ...state, leases };
}

/** Every instant a host has pending (its own clock's deadlines only while its daemon runs). */
function instantsOf(record: LeaseHost): number[] {
  const out: number[] = [];
  if (record.storageUntil !== null) out.push(record.storageUntil);
  if (record.continueAt !== null) out.push(record.continueAt);
  if (record.joinAt !== null) out.push(record.joinAt);
  const lapse = record.lapse;
  if (lapse) {
    if (record.daemon === 'up' && record.joined) {
      if (!lapse.failed) out.push(lapse.failAt!);
      else if (lapse.sigkillAt !== null) out.push(lapse.sigkillAt);
    }
    if (lapse.resetAt !== null) out.push(lapse.resetAt);
    for (const takeover of lapse.takeovers) if (!takeover.passed) out.push(takeover.at);
  }
  return out;
}

export function nextInstant(state: LeaseState): number | null {
  let next: number | null = null;
  for (const record of state.hosts) {
    for (const at of instantsOf(record)) if (next === null || at < next) next = at;
  }
  return next;
}

/** The host is reset or crashes: its daemon and registrations are gone; it reboots. */
function hostDown(state: LeaseState, record: LeaseHost, now: number): LeaseState {
  const p = state.params;
  const base = record.lapse ?? lapseNow(state, record, now);
  const lapse: Lapse = { ...base, failed: true, sigkillAt: null, resetAt: null, resetFixed: false };
  const registrations = state.registrations.filter((r) => r.host !== record.host);
  return withHost({ ...state, registrations }, { ...record, daemon: 'up', joined: false,
    continueAt: null, watchdog: p.useWatchdog, lapse,
    joinAt: Math.max(now, lapse.lastRenewal + p.hostDeadMs) + p.joinMs });
}

/** A rebooted host joins again: a new generation; the old one's leases are free. */
function join(state: LeaseState, record: LeaseHost): LeaseState {
  if (record.storage !== 'ok') {
    return withHost(state, { ...record, joinAt: record.storageUntil });
  }
  const generation = record.generation + 1;
  const stale = (h: PaxosLease['holders'][number]) => h.host === record.host && h.generation < generation;
  const leases = state.leases.some((lease) => lease.holders.some(stale))
    ? state.leases.map((lease) => ({ ...lease, holders: lease.holders.filter((h) => !stale(h)) }))
    : state.leases;
  return withHost({ ...state, leases }, { ...record, generation, joined: true, joinAt: null,
    lapse: null });
}

/** What happens at instant `now` on one host; returns the new state. */
function hostAt(state: LeaseState, record: LeaseHost, now: number, signals: Signal[],
  resets: number[], notes: string[]): LeaseState {
  const host = record.host;
  let current = record;
  let next = state;
  const save = (updated: LeaseHost) => {
    current = updated;
    next = withHost(next, updated);
  };
  if (current.storageUntil !== null && current.storageUntil <= now) {
    notes.push(`h${host}'s lease storage works again`);
    const healthy = current.lapse && !current.lapse.failed && current.daemon === 'up';
    save({ ...current, storage: 'ok', storageUntil: null, lapse: healthy ? null : current.lapse });
    if (healthy) notes.push(`h${host} renews its delta lease again`);
    next = releaseOrphans(next, host);
  }
  if (current.continueAt !== null && current.continueAt <= now) {
    notes.push(`h${host}'s sanlock daemon continues (SIGCONT)`);
    save({ ...current, daemon: 'up', continueAt: null });
    const lapse = current.lapse;
    if (lapse && current.joined) {
      if (now >= lapse.failAt!) {
        notes.push(`h${host}: check_our_lease failed (last renewal at ${lapse.lastRenewal} ms)`);
        const late = now >= lapse.sigkillAt!;
        save({ ...current, lapse: { ...lapse, failed: true, sigkillAt: late ? null : lapse.sigkillAt } });
        signal(next, host, late ? 'SIGKILL' : 'SIGTERM', signals, notes);
        next = settle(next, host);
        current = hostOf(next, host);
      } else if (current.storage === 'ok') {
        save({ ...current, lapse: null });
        notes.push(`h${host} renews its delta lease again`);
      }
    }
    next = releaseOrphans(next, host);
  }
  const lapse = current.lapse;
  if (lapse && current.daemon === 'up' && current.joined) {
    if (!lapse.failed && lapse.failAt! <= now) {
      notes.push(`h${host}: check_our_lease failed (last renewal at ${lapse.lastRenewal} ms)`);
      save({ ...current, lapse: { ...lapse, failed: true } });
      signal(next, host, 'SIGTERM', signals, notes);
      next = settle(next, host);
      current = hostOf(next, host);
    } else if (lapse.failed && lapse.sigkillAt !== null && lapse.sigkillAt <= now) {
      save({ ...current, lapse: { ...lapse, sigkillAt: null } });
      signal(next, host, 'SIGKILL', signals, notes);
    }
  }
  if (current.lapse?.resetAt != null && current.lapse.resetAt <= now) {
    notes.push(`h${host}'s watchdog fires: the host is reset`);
    resets.push(host);
    next = hostDown(next, current, now);
    current = hostOf(next, host);
  }
  if (current.lapse?.takeovers.some((t) => !t.passed && t.at <= now)) {
    const takeovers = current.lapse.takeovers.map((t) => {
      if (t.passed || t.at > now) return t;
      notes.push(`${t.observer === null ? 'other hosts' : `h${t.observer}`} may take h${host}'s ` +
        `leases over (host_dead_seconds since its last renewal)`);
      return { ...t, passed: true };
    });
    save({ ...current, lapse: { ...current.lapse, takeovers } });
  }
  if (current.joinAt !== null && current.joinAt <= now) {
    notes.push(`h${host} joins its lockspace again (generation ${current.generation + 1})`);
    next = join(next, current);
  }
  return next;
}

export function advanceLease(state: LeaseState, now: number): TimedEffects<LeaseState> {
  const signals: Signal[] = [];
  const resets: number[] = [];
  const notes: string[] = [];
  let next: LeaseState = { ...state, now };
  for (const record of state.hosts) {
    if (instantsOf(record).some((at) => at <= now)) {
      next = hostAt(next, hostOf(next, record.host), now, signals, resets, notes);
    }
  }
  return { state: next, signals, resets, notes };
}

/** Shifts an instant of the jumping host's clock `ms` earlier (never before `now`). */
function earlier(at: number, now: number, ms: number): number {
  return at > now ? Math.max(now, Math.ceil(at - ms)) : at;
}

/** Host `host`'s clock jumps forward by `ms` at `now`. */
function clockJump(state: LeaseState, host: number, now: number, ms: number): LeaseState {
  const p = state.params;
  const record = hostOf(state, host);
  const before = state;
  const offsets = [...state.offsets.filter((o) => o.host !== host),
    { host, offset: (state.offsets.find((o) => o.host === host)?.offset ?? 0) + ms }]
    .sort((a, b) => a.host - b.host);
  let next: LeaseState = { ...state, offsets };
  const shift = ms / rateOf(p, host);
  // As an observer: its view of every silent host ages by the jump.
  for (const other of next.hosts) {
    if (other.host === host || !other.lapse) continue;
    const own = other.lapse.takeovers.find((t) => t.observer === host);
    const base = own ?? other.lapse.takeovers.find((t) => t.observer === null)!;
    const mine: Takeover = base.passed ? { ...base, observer: host }
      : { observer: host, at: earlier(base.at, now, shift), passed: false };
    const takeovers = [...other.lapse.takeovers.filter((t) => t.observer !== host), mine]
      .sort((a, b) => (a.observer ?? -1) - (b.observer ?? -1));
    next = withHost(next, { ...other, lapse: { ...other.lapse, takeovers } });
  }
  // As the lease holder: its own deadlines come sooner; a healthy host may fail at once.
  const lapse = record.lapse;
  if (lapse) {
    const lastKeepalive = lapse.resetAt === null ? null : lapse.resetAt - p.fireTimeoutMs;
    return withHost(next, { ...record, lapse: { ...lapse,
      failAt: lapse.failAt === null ? null : earlier(lapse.failAt, now, shift),
      sigkillAt: lapse.sigkillAt === null ? null : earlier(lapse.sigkillAt, now, shift),
      resetAt: lastKeepalive === null ? null : earlier(lastKeepalive, now, shift) + p.fireTimeoutMs } });
  }
  if (record.daemon !== 'up' || !record.joined || record.storage !== 'ok') return next;
  const renewal = lastRenewal(before, host, now);
  const reading = localTime(before, host, renewal);
  if (localTime(next, host, now) - reading < p.idRenewalFailMs) return next;
  return withHost(next, { ...record, lapse: newLapse(next, record, renewal, reading, now,
    record.watchdog) });
}

/** The service at `now` after an environment event (see `TimedEvent`). */
export function leaseEvent(state: LeaseState, now: number, event: TimedEvent): LeaseState {
  const at: LeaseState = { ...state, now };
  const record = hostOf(at, event.host);
  switch (event.kind) {
    case 'host-crash':
      return hostDown(at, record, now);
    case 'daemon-crash': {
      const lapse = lapseNow(at, record, now);
      const registrations = at.registrations.filter((r) => r.host !== event.host);
      return withHost({ ...at, registrations }, { ...record, daemon: 'restarted', joined: false,
        continueAt: null, lapse: { ...lapse, resetFixed: lapse.resetAt !== null } });
    }
    case 'daemon-pause': {
      if (record.daemon === 'restarted') return at;
      const continueAt = Math.max(record.continueAt ?? 0, now + event.ms);
      return withHost(at, { ...record, daemon: 'stopped', continueAt,
        lapse: record.joined ? lapseNow(at, record, now) : record.lapse });
    }
    case 'storage': {
      const until = event.ms === null ? null : now + event.ms;
      const lapse = record.joined && record.daemon !== 'restarted' ? lapseNow(at, record, now)
        : record.lapse;
      return withHost(at, { ...record, storage: event.mode,
        storageUntil: until === null || record.storageUntil === null && record.storage !== 'ok'
          ? null : Math.max(until, record.storageUntil ?? 0), lapse });
    }
    case 'clock-jump':
      return clockJump(at, event.host, now, event.ms);
    case 'watchdog-off':
      return withHost(at, { ...record, watchdog: false,
        lapse: record.lapse && { ...record.lapse, resetAt: null, resetFixed: false } });
  }
}

/** Whether observer `host` may take over a lease held by `holderHost` in `generation`. */
export function takeable(state: LeaseState, holderHost: number, generation: number,
  observer: number): boolean {
  const record = hostOf(state, holderHost);
  if (record.generation > generation) return true;
  const lapse = record.lapse;
  if (!lapse) return false;
  const own = ownClock(state, observer) ? lapse.takeovers.find((t) => t.observer === observer) : undefined;
  return (own ?? lapse.takeovers.find((t) => t.observer === null)!).passed;
}

/** Whether a host's leases no longer hold anyone off (default observers may take them). */
export function lapsedForAll(state: LeaseState, host: number, generation: number): boolean {
  const record = hostOf(state, host);
  if (record.generation > generation) return true;
  return record.lapse?.takeovers.find((t) => t.observer === null)?.passed ?? false;
}
