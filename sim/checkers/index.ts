/** Every checker, in the order they are evaluated after a step. */
import { busyNeedsHolder } from './busy-needs-holder.ts';
import type { Checker, InvariantId } from './checker.ts';
import { daemonContinuity } from './daemon-continuity.ts';
import { deadGrantsReleased } from './dead-grants-released.ts';
import { grantedAfterDeath } from './granted-after-death.ts';
import { failureContract } from './failure-contract.ts';
import { fencing } from './fencing.ts';
import { grantsLockable } from './grants-lockable.ts';
import { migrationHandover } from './migration-handover.ts';
import { mutualExclusion } from './mutual-exclusion.ts';
import { noStaleResume } from './no-stale-resume.ts';
import { restrictedConnection } from './restricted-connection.ts';
import { runHoldsLocks } from './run-holds-locks.ts';
import { waitsEnd } from './waits-end.ts';
import { writeExclusion } from './write-exclusion.ts';

/** Most specific first: when one step breaks several invariants, the first one is reported. */
export const CHECKERS: readonly Checker[] = [
  restrictedConnection,
  failureContract,
  daemonContinuity,
  grantsLockable,
  busyNeedsHolder,
  writeExclusion,
  mutualExclusion,
  fencing,
  runHoldsLocks,
  migrationHandover,
  noStaleResume,
  // A wait that never ends is the more specific liveness finding (only the RFC design waits).
  waitsEnd,
  deadGrantsReleased,
  grantedAfterDeath,
];

export type { Checker, CheckInput, InvariantId, Violation } from './checker.ts';

/** Every invariant id a checker has, in evaluation order. */
export const INVARIANT_IDS: readonly InvariantId[] = CHECKERS.map((checker) => checker.id);

/** Whether a finding of this invariant is a known one (`Checker.known`). */
export function isKnown(invariant: string): boolean {
  return CHECKERS.some((checker) => checker.id === invariant && checker.known !== undefined);
}

/** The better of two findings to report: a new one over a known one, else the first. */
export function preferNew<T extends { readonly invariant: string }>(kept: T | null | undefined,
  found: T): T {
  return !kept || (isKnown(kept.invariant) && !isKnown(found.invariant)) ? found : kept;
}
