/**
 * What the coordinator and the shards of a parallel exploration say to each other, one BFS level
 * at a time (`coordinator.ts` drives, `shard.ts` answers). Every message is plain data that the
 * structured clone carries; the large parts are typed arrays, transferred rather than copied.
 */
import type { InvariantId, Violation } from '../../checkers/index.ts';
import type { FaultName } from '../../faults/index.ts';
import type { Design } from '../../world/design.ts';
import type { WorldShape } from '../../world/shape.ts';
import type { VmDefinition } from '../../world/types.ts';
import type { Breakdown } from '../breakdown.ts';
import type { CoverageReport } from '../coverage.ts';
import type { BitstateReport } from '../bitstate.ts';

/** A candidate successor sent to the shard that owns its fingerprint, as 7 words. */
export const RECORD = 7;
/** Word offsets in a record: fingerprint, budgets used, the key (parent rank, step index), and
 * the sender's own number for it. */
export const R_HI = 0;
export const R_LO = 1;
export const R_WORK = 2;
export const R_FAULTS = 3;
export const R_RANK = 4;
export const R_INDEX = 5;
export const R_CANDIDATE = 6;

/** The owner's answer for a candidate (`Visit`'s values, and Skip: past the level's stop). */
export const VERDICT_SKIP = 3;

/** Everything a shard needs to build the same world, model and checkers as the others. */
export interface ShardSetup {
  readonly id: number;
  readonly count: number;
  /** The driver as resolved by name (`resolveSimDriver`): workers get model drivers only. */
  readonly driverSpec: string;
  readonly shape: WorldShape;
  readonly design?: Design;
  readonly faults: readonly FaultName[];
  readonly faultBudget: number;
  readonly workload?: number;
  readonly symmetry?: boolean;
  readonly invariants?: readonly InvariantId[];
  readonly coverage?: boolean;
  readonly definitions?: readonly VmDefinition[];
  /** Bytes of bits for all shards together (bitstate mode), or undefined: exact. */
  readonly bitstate?: number;
}

/** A step taken where the sequential search would have taken it: (rank of the parent in its
 * level's order, index of the step among its successors). */
export interface Key {
  readonly rank: number;
  readonly index: number;
}

/** A finding as a shard reports it: where, what, and the path of step indices to it. */
export interface ShardFinding {
  readonly key: Key;
  readonly violation: Violation;
  readonly path: readonly number[];
}

/** Liveness results of one new quiescent state: the first failing checker (`any`), and the
 * first failing one that is not a known finding (`unknown`); see `liveness.ts`. */
export interface LivenessCandidate {
  readonly key: Key;
  readonly any: Violation | null;
  readonly unknown: Violation | null;
  readonly path: readonly number[];
}

/** States handed from one shard to another to balance the load. */
export interface Gift {
  readonly ranks: readonly number[];
  readonly works: readonly number[];
  readonly paths: readonly (readonly number[])[];
}

export type ShardRequest =
  | { readonly kind: 'setup'; readonly setup: ShardSetup }
  | { readonly kind: 'init' }
  | { readonly kind: 'rank'; readonly ranks: Int32Array; readonly give: number }
  | { readonly kind: 'expand'; readonly gifts: readonly Gift[] }
  | { readonly kind: 'visit'; readonly incoming: readonly Int32Array[]; readonly stop: Key | null }
  | { readonly kind: 'settle'; readonly verdicts: readonly Uint8Array[]; readonly stop: Key | null;
    readonly liveness: LivenessMode }
  | { readonly kind: 'finish' };

/** How much liveness checking is still wanted: none found yet, a known one found, or done. */
export type LivenessMode = 'open' | 'known' | 'closed';

export interface InitReply {
  /** Keys of the frontier this shard holds (the initial world, on shard 0). */
  readonly keys: Float64Array;
  readonly liveness: readonly LivenessCandidate[];
}

export interface RankReply {
  readonly gift: Gift | null;
}

export interface ExpandReply {
  /** Candidates per owner shard, in key order. */
  readonly batches: readonly Int32Array[];
  readonly violation: ShardFinding | null;
}

export interface VisitReply {
  /** Verdicts per sender shard, one per record it sent. */
  readonly verdicts: readonly Uint8Array[];
}

export interface SettleReply {
  /** Keys (rank · 2¹⁶ + index) of the next frontier this shard holds, ascending. */
  readonly keys: Float64Array;
  readonly liveness: readonly LivenessCandidate[];
  readonly transitions: number;
  readonly states: number;
}

export interface FinishReply {
  readonly states: number;
  readonly expansions: number;
  readonly transitions: number;
  readonly quiescent: number;
  readonly deepest: number;
  readonly visitedBytes: number;
  readonly treeBytes: number;
  readonly breakdown: Breakdown;
  readonly coverage: CoverageReport | null;
  readonly symmetries: number;
  readonly raw: boolean;
  readonly bitstate: BitstateReport | null;
}
