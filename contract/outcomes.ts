/**
 * What a failed call may have left behind: the four outcome sets a driver can declare, and the
 * one admissibility function every consumer calls — the simulator's choice points, the
 * explorer's successors, the conformance suite, the validators of a driver or model, the manager
 * statechart's error handling, real mode and the failure-contract checker. No other file lists
 * the sets.
 *
 * The seed leaves failure outcomes undefined ("I'd just leave it undefined"); a driver narrows
 * them by declaring, for acquire and for release, which sets of the call's n resources a failure
 * may have affected (taken, or released):
 * - `nothing`: {∅} — a failure has no effect;
 * - `all-or-nothing`: {∅, all} — no effect, or full effect with the success reply lost;
 * - `prefix`: the n+1 prefixes — resources are handled in order, with no rollback;
 * - `any-subset`: all 2ⁿ subsets — handled in parallel, with no rollback.
 *
 * A set of affected resources is a bitmask over the call's resources in declaration order
 * (bit i = resource i).
 */

export const FAILURE_OUTCOME_SETS = ['nothing', 'all-or-nothing', 'prefix', 'any-subset'] as const;

/** Which of the n requested resources a failed call may have affected. */
export type FailureOutcomeSet = (typeof FAILURE_OUTCOME_SETS)[number];

/** Calls on more resources than this are refused by the enumeration (2ⁿ masks). */
export const MAX_ENUMERATED_RESOURCES = 16;

export function isFailureOutcomeSet(value: unknown): value is FailureOutcomeSet {
  return (FAILURE_OUTCOME_SETS as readonly unknown[]).includes(value);
}

const enumerated = new Map<string, readonly number[]>();

/**
 * Every admissible set of affected resources for a failed call on n resources, as bitmasks, in
 * a fixed order: by number of resources affected, then by mask (∅ first, then prefixes).
 */
export function admissibleSubsets(set: FailureOutcomeSet, n: number): readonly number[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ENUMERATED_RESOURCES) {
    throw new RangeError(`cannot enumerate the failure outcomes of a call on ${n} resources ` +
      `(0 to ${MAX_ENUMERATED_RESOURCES})`);
  }
  const key = `${set}/${n}`;
  let subsets = enumerated.get(key);
  if (!subsets) {
    subsets = enumerate(set, n);
    enumerated.set(key, subsets);
  }
  return subsets;
}

function enumerate(set: FailureOutcomeSet, n: number): number[] {
  const all = allOf(n);
  switch (set) {
    case 'nothing':
      return [0];
    case 'all-or-nothing':
      return n === 0 ? [0] : [0, all];
    case 'prefix':
      return [...Array(n + 1).keys()].map(allOf);
    case 'any-subset':
      return [...Array(all + 1).keys()].sort((a, b) => popcount(a) - popcount(b) || a - b);
  }
}

/** Whether a failure that affected exactly `mask` of n resources is within the declared set. */
export function isAdmissible(set: FailureOutcomeSet, n: number, mask: number): boolean {
  switch (set) {
    case 'nothing':
      return mask === 0;
    case 'all-or-nothing':
      return mask === 0 || mask === allOf(n);
    case 'prefix':
      return (mask & (mask + 1)) === 0 && mask <= allOf(n);
    case 'any-subset':
      return mask >= 0 && mask <= allOf(n);
  }
}

/**
 * The resources some admissible failure may have affected (the union of the admissible sets):
 * after a failure, exactly these are *unknown*; the others are known to be untouched.
 */
export function mayHaveAffected(set: FailureOutcomeSet, n: number): number {
  return set === 'nothing' ? 0 : allOf(n);
}

/** The mask with the first k resources. */
export function allOf(k: number): number {
  return k >= 31 ? -1 >>> 0 : (1 << k) - 1;
}

/** Whether `mask` is the first k resources for some k. */
export function isPrefix(mask: number): boolean {
  return (mask & (mask + 1)) === 0;
}

/** The number of resources a mask names. */
export function popcount(mask: number): number {
  let count = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) count += 1;
  return count;
}

/** The indices a mask names, ascending. */
export function indicesOf(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; mask >>> i !== 0; i++) if ((mask >>> i) & 1) out.push(i);
  return out;
}

/** The items of `list` a mask selects, in order. */
export function selected<T>(list: readonly T[], mask: number): T[] {
  return list.filter((_, i) => ((mask >>> i) & 1) === 1);
}

/**
 * The failure-contract check every consumer makes of a failure the driver returned on its own
 * (simulator, real mode, conformance suite): null when what it actually affected is admissible,
 * else one sentence saying what it affected and what the declared set admits.
 *
 * `care` marks the resources whose state the call could change: a release cannot change a
 * resource the owner did not hold, so whether an admissible outcome "released" it does not show.
 * What was affected must match some admissible set on the resources it could change.
 */
export function contractBreach(set: FailureOutcomeSet, n: number, mask: number,
  care = allOf(n)): string | null {
  if (admissibleSubsets(set, n).some((admitted) => ((admitted ^ mask) & care) === 0)) return null;
  const which = indicesOf(mask).map((i) => `#${i}`).join(', ');
  return `it affected resource${popcount(mask) === 1 ? '' : 's'} ${which} of ${n}, which ` +
    `'${set}' does not admit (${ADMITS[set]})`;
}

const ADMITS: Readonly<Record<FailureOutcomeSet, string>> = {
  'nothing': 'a failure affects nothing',
  'all-or-nothing': 'a failure affects none or all',
  'prefix': 'a failure affects the first k',
  'any-subset': 'any subset',
};
