/**
 * The liveness finding of a parallel exploration, chosen as the sequential search chooses it.
 *
 * The sequential search judges the quiescent states in the order it meets them. The first with a
 * failing checker gives the finding (its first failing checker); if that is a known finding, the
 * first later state with a failing checker that is not known replaces it, and nothing after.
 * The shards report per level their first state with any failing checker and their first two
 * with an unknown one (every such state also has a failing checker, so a shard's first two
 * include the first after any state the level's first may be): enough to decide the level here.
 */
import { isKnown } from '../../checkers/index.ts';
import type { Key, LivenessCandidate, LivenessMode } from './messages.ts';

/** The finding so far and what the shards should still look for. */
export interface LivenessState {
  readonly mode: LivenessMode;
  readonly finding: LivenessCandidate | null;
}

export const OPEN: LivenessState = { mode: 'open', finding: null };

const before = (a: Key, b: Key): boolean => a.rank < b.rank || (a.rank === b.rank && a.index < b.index);

function first(candidates: readonly LivenessCandidate[],
  pick: (candidate: LivenessCandidate) => boolean): LivenessCandidate | null {
  let best: LivenessCandidate | null = null;
  for (const candidate of candidates) {
    if (pick(candidate) && (!best || before(candidate.key, best.key))) best = candidate;
  }
  return best;
}

/** The state after one level's candidates (from every shard, judged under `state.mode`). */
export function judgeLevel(state: LivenessState, candidates: readonly LivenessCandidate[]):
  LivenessState {
  if (state.mode === 'closed') return state;
  let finding = state.finding;
  let after: Key | null = null;
  if (state.mode === 'open') {
    const any = first(candidates, (candidate) => candidate.any !== null);
    if (!any) return state;
    const violation = any.any!;
    finding = { ...any, any: violation, unknown: null };
    if (!isKnown(violation.invariant)) return { mode: 'closed', finding: { ...any, unknown: violation } };
    after = any.key;
  }
  const unknown = first(candidates, (candidate) => candidate.unknown !== null &&
    (after === null || before(after, candidate.key)));
  if (unknown) return { mode: 'closed', finding: unknown };
  return { mode: 'known', finding };
}

/** The violation a state's finding stands for. */
export function findingViolation(state: LivenessState) {
  const finding = state.finding;
  if (!finding) return null;
  return state.mode === 'closed' ? finding.unknown! : finding.any!;
}
