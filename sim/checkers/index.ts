/** Every checker, in the order they are evaluated after a step. */
import type { Checker } from './checker.ts';
import { deadGrantsReleased } from './dead-grants-released.ts';
import { fencing } from './fencing.ts';
import { migrationHandover } from './migration-handover.ts';
import { mutualExclusion } from './mutual-exclusion.ts';
import { restrictedConnection } from './restricted-connection.ts';
import { runHoldsLocks } from './run-holds-locks.ts';
import { writeExclusion } from './write-exclusion.ts';

/** Most specific first: when one step breaks several invariants, the first one is reported. */
export const CHECKERS: readonly Checker[] = [
  restrictedConnection,
  writeExclusion,
  mutualExclusion,
  fencing,
  runHoldsLocks,
  migrationHandover,
  deadGrantsReleased,
];

export type { Checker, CheckInput, InvariantId, Violation } from './checker.ts';
