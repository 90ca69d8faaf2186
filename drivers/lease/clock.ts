/**
 * Each host's monotonic clock, as sanlock reads it: `local(t) = rate·t + offset`, where `t` is the
 * virtual clock, `rate` a configured drift (`clock_rates`, 1 by default) and `offset` the sum of
 * the forward jumps it made (`clock-jump`). sanlock measures every timeout on its own host's
 * clock, and never compares two hosts' clocks (paxos_acquire: "we need to be careful about ever
 * comparing local time(NULL) to a time value we read off disk from another node"), so a deadline
 * measured on host h is an instant of h's clock turned back into virtual time. The hardware
 * watchdog alone counts real (virtual) time.
 *
 * Renewals: a healthy host renews at every multiple of `id_renewal_seconds` of its own clock, so
 * its last renewal before an instant is a pure function of the clock.
 */
import type { LeaseParams } from './params.ts';
import type { LeaseState } from './state.ts';

export function rateOf(params: LeaseParams, host: number): number {
  return params.clockRates[host] ?? 1;
}

export function offsetOf(state: LeaseState, host: number): number {
  for (const entry of state.offsets) if (entry.host === host) return entry.offset;
  return 0;
}

/** Whether the host's clock differs from the virtual clock (a drift or a jump). */
export function ownClock(state: LeaseState, host: number): boolean {
  return rateOf(state.params, host) !== 1 || offsetOf(state, host) !== 0;
}

/** The hosts with clocks of their own (configured drifts, jumps), sorted. */
export function ownClockHosts(state: LeaseState): number[] {
  const hosts = new Set<number>(Object.keys(state.params.clockRates).map(Number));
  for (const entry of state.offsets) hosts.add(entry.host);
  return [...hosts].sort((a, b) => a - b);
}

/** What host `host`'s clock reads at virtual time `t`. */
export function localTime(state: LeaseState, host: number, t: number): number {
  return rateOf(state.params, host) * t + offsetOf(state, host);
}

/**
 * The first virtual millisecond at which host `host`'s clock reads at least `reading` (an
 * instant is a whole millisecond, rounded up: a deadline is never met early).
 */
export function virtualAt(state: LeaseState, host: number, reading: number): number {
  return Math.ceil((reading - offsetOf(state, host)) / rateOf(state.params, host) - 1e-9);
}

/** The virtual time of the host's last renewal at or before `t`. */
export function lastRenewal(state: LeaseState, host: number, t: number): number {
  const period = state.params.idRenewalMs;
  const local = localTime(state, host, t);
  return Math.min(t, virtualAt(state, host, Math.floor(local / period) * period));
}
