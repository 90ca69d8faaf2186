/**
 * `lockchart margin`: timing-parametric safety of the lease model. For the given timeouts it
 * searches, with the simulator (`probe.ts`), for the smallest disturbance that breaks exclusion:
 *
 * - a **daemon pause** (SIGSTOP of h0's sanlock daemon), over every phase of its renewal period;
 * - a forward **clock jump** on the observer h1, while h0 is silent for good;
 * - a **clock drift** of h1 (its clock fast), while h0 is silent for good.
 *
 * Each is a bisection on a monotone predicate (a longer pause, a larger jump, a faster clock
 * never makes things safer), to 1 ms or 1e-5. The **safety margin** is the smallest jump that
 * breaks exclusion: how far the observer's view of time may be off before fencing (the watchdog
 * reset) comes too late — Kleppmann's fencing argument as a number. With no watchdog there is no
 * margin: a pause long enough breaks exclusion whatever the clocks do.
 */
import type { DriverConfig } from '../../contract/driver.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { readParams, type LeaseParams } from '../../drivers/lease/params.ts';
import { probeUnsafe, type Disturbance } from './probe.ts';

export interface MarginResult {
  readonly params: LeaseParams;
  /** The smallest daemon pause (ms) that breaks exclusion at its worst phase; null: none found. */
  readonly pauseMs: number | null;
  /** The renewal phase (ms after a renewal) where that pause is smallest. */
  readonly pausePhaseMs: number | null;
  /** The largest pause searched. */
  readonly pauseLimitMs: number;
  /** The smallest forward jump (ms) of the observer's clock that breaks exclusion; 0: none needed. */
  readonly jumpMs: number | null;
  /** The jumps searched stop here: a jump this large fails the observer's own lease first. */
  readonly jumpLimitMs: number;
  /** The slowest observer clock rate (> 1: fast) that breaks exclusion; 1: none needed. */
  readonly driftRate: number | null;
  /** Probes run. */
  readonly probes: number;
}

/** The smallest x in (lo, hi] with unsafe(x), to `precision`; null when unsafe(hi) is false. */
function bisect(lo: number, hi: number, precision: number, unsafe: (x: number) => boolean):
  number | null {
  if (!unsafe(hi)) return null;
  if (unsafe(lo)) return lo;
  while (hi - lo > precision) {
    const mid = (lo + hi) / 2;
    if (unsafe(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function searchMargin(model: LockServiceModel<unknown>, config: DriverConfig): MarginResult {
  const params = readParams(config);
  let probes = 0;
  const unsafe = (disturbance: Disturbance, phase: number) => {
    probes++;
    return probeUnsafe(model, config, disturbance, phase);
  };
  const period = params.idRenewalMs;
  // Phases across the renewal period, and its very end (the pause that starts just before a
  // renewal is due loses the most lease time).
  const phases = [...Array.from({ length: 8 }, (_, i) => Math.round((i * period) / 8)), period - 1];
  const pauseLimitMs = 3 * params.hostDeadMs;
  let pauseMs: number | null = null;
  let pausePhaseMs: number | null = null;
  for (const phase of phases) {
    const found = bisect(0, pauseLimitMs, 1,
      (ms) => unsafe({ kind: 'pause', ms: Math.round(ms) }, phase));
    if (found !== null && (pauseMs === null || found < pauseMs)) {
      pauseMs = Math.round(found);
      pausePhaseMs = phase;
    }
  }
  // A jump of id_renewal_fail_seconds on the observer fails its own lease before it can act.
  const jumpLimitMs = params.idRenewalFailMs - params.idRenewalMs;
  const jump = bisect(0, jumpLimitMs, 1, (ms) => unsafe({ kind: 'jump', ms: Math.round(ms) }, 0));
  const drift = bisect(1, 2, 1e-5, (rate) => unsafe({ kind: 'drift', rate }, 0));
  return { params, pauseMs, pausePhaseMs, pauseLimitMs,
    jumpMs: jump === null ? null : Math.round(jump), jumpLimitMs, driftRate: drift, probes };
}
