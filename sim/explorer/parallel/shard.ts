/**
 * One shard of a parallel exploration (`coordinator.ts`): it owns the fingerprints whose top
 * bits name it — its part of the visited set — and expands the states it holds.
 *
 * A state stays with the shard that generated it (worlds are object graphs of interned
 * statechart states; they never cross a thread). What crosses is a candidate's fingerprint, the
 * budgets it used and its key: the sender asks the owner whether the candidate is new, and the
 * owner answers for all candidates of a level in key order — the order the sequential search
 * meets them — so that every verdict, and so every count, is the sequential search's. The
 * coordinator balances the load by having a shard hand states over as their paths of step
 * indices, which the receiver replays.
 *
 * Pure and synchronous: the same object serves a worker thread (`shard-worker.mjs`) and an
 * in-thread run (tests).
 */
import { EXPLORING_STEP, markStep } from '../../../drivers/registry/call-slot.ts';
import type { Violation } from '../../checkers/index.ts';
import type { SimDriver } from '../../resolve-driver.ts';
import { isWorkload } from '../../steps/index.ts';
import { isFault, type Step } from '../../steps.ts';
import { applyStep } from '../../world/apply.ts';
import type { CompletedCall } from '../../world/lock-calls.ts';
import type { World } from '../../world/types.ts';
import { Search } from '../search-parts.ts';
import { budgetLeft, isQuiescent, successorSteps } from '../successors.ts';
import { Visit, VisitedSet, type StateStore } from '../visited.ts';
import { BitstateSet } from '../bitstate.ts';
import { ShardTree } from './shard-tree.ts';
import {
  RECORD, R_CANDIDATE, R_FAULTS, R_HI, R_INDEX, R_LO, R_RANK, R_WORK, VERDICT_SKIP,
  type ExpandReply, type FinishReply, type Gift, type InitReply, type Key, type LivenessCandidate,
  type LivenessMode, type RankReply, type SettleReply, type ShardFinding, type ShardRequest,
  type ShardSetup, type VisitReply,
} from './messages.ts';

/** Keys as one number: rank · 2¹⁶ + index (step indices fit 16 bits; the tree stores them so). */
export const KEY_SPAN = 0x10000;

/** The shard that owns a fingerprint: by its top bits (the table indexes by the low ones). */
export function ownerOf(hi: number, count: number): number {
  return ((hi >>> 16) * count) >>> 16;
}

/** A growable batch of records for one owner. */
class Batch {
  words = new Int32Array(RECORD * 256);
  length = 0;

  push(hi: number, lo: number, work: number, faults: number, rank: number, index: number,
    candidate: number): number {
    if (this.length + RECORD > this.words.length) {
      const grown = new Int32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const w = this.words;
    const at = this.length;
    w[at + R_HI] = hi;
    w[at + R_LO] = lo;
    w[at + R_WORK] = work;
    w[at + R_FAULTS] = faults;
    w[at + R_RANK] = rank;
    w[at + R_INDEX] = index;
    w[at + R_CANDIDATE] = candidate;
    this.length += RECORD;
    return at / RECORD;
  }

  take(): Int32Array {
    const out = this.words.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** The states of one level a shard holds: world, workload used, tree node, rank. */
interface Level {
  worlds: World[];
  works: number[];
  nodes: number[];
  ranks: number[];
}

const emptyLevel = (): Level => ({ worlds: [], works: [], nodes: [], ranks: [] });

/** One shard (see the file comment). */
export class Shard extends Search {
  private readonly visited: StateStore;
  private readonly tree = new ShardTree();
  private frontier = emptyLevel();
  /** Transitions taken from each frontier state this level (for the counts at a stop). */
  private stepCounts: number[] = [];
  /** This level's candidates, by the number sent with them. */
  private cands = { worlds: [] as World[], parents: [] as number[], indices: [] as number[],
    works: [] as number[], ranks: [] as number[], owners: [] as number[], positions: [] as number[] };
  private readonly batches: Batch[];
  private depth = 0;
  private transitions = 0;
  private quiescent = 0;
  private deepest = 0;
  private expansions = 0;
  private levelLiveness: LivenessCandidate[] = [];

  constructor(readonly setup: ShardSetup, driver: SimDriver) {
    super(driver, setup);
    // A shard holds its part of the states: its part of the bits too.
    this.visited = setup.bitstate === undefined ? new VisitedSet()
      : new BitstateSet(setup.bitstate / setup.count);
    this.batches = Array.from({ length: setup.count }, () => new Batch());
  }

  /** Answers one request of the coordinator. */
  handle(request: ShardRequest): unknown {
    switch (request.kind) {
      case 'setup': throw new Error('invariant: a shard is set up by its host');
      case 'init': return this.init();
      case 'rank': return this.rank(request.ranks, request.give);
      case 'expand': return this.expand(request.gifts);
      case 'visit': return this.visit(request.incoming, request.stop);
      case 'settle': return this.settle(request.verdicts, request.stop, request.liveness);
      case 'finish': return this.finish();
    }
  }

  /** The initial world: its owner stores it; shard 0 holds it. */
  init(): InitReply {
    markStep(EXPLORING_STEP);
    this.canonical.fingerprint(this.root);
    if (ownerOf(this.canonical.hi, this.setup.count) === this.setup.id) {
      this.visited.visit(this.canonical.hi, this.canonical.lo, 0, 0);
    }
    if (this.setup.id !== 0) return { keys: new Float64Array(0), liveness: [] };
    this.levelLiveness = [];
    const node = this.tree.add(-1, 0);
    this.expansions++;
    this.newState(this.root, node, 0, 0, { rank: 0, index: 0 }, 'open');
    this.hold(this.frontier, this.root, 0, node, 0);
    return { keys: new Float64Array([0]), liveness: this.levelLiveness };
  }

  /** The frontier's ranks in the level's global order; `give` states, evenly spread over the
   * frontier, are handed over (a sample of it: the last ones would be a biased one — states
   * early in the order have more budget left, and so more successors). */
  rank(ranks: Int32Array, give: number): RankReply {
    const f = this.frontier;
    if (ranks.length !== f.worlds.length) throw new Error('invariant: ranks for another frontier');
    for (let i = 0; i < ranks.length; i++) f.ranks[i] = ranks[i]!;
    if (give <= 0) return { gift: null };
    const size = f.worlds.length;
    const kept = emptyLevel();
    const gift = { ranks: [] as number[], works: [] as number[], paths: [] as number[][] };
    for (let i = 0; i < size; i++) {
      // The i-th state goes when ⌊(i + 1)·give/size⌋ steps up: `give` of them, evenly spaced.
      if (Math.floor(((i + 1) * give) / size) > Math.floor((i * give) / size)) {
        gift.ranks.push(f.ranks[i]!);
        gift.works.push(f.works[i]!);
        gift.paths.push(this.tree.path(f.nodes[i]!));
      } else this.hold(kept, f.worlds[i]!, f.works[i]!, f.nodes[i]!, f.ranks[i]!);
    }
    this.frontier = kept;
    return { gift };
  }

  /** Expands the frontier (with the states handed over to it) in rank order. */
  expand(gifts: readonly Gift[]): ExpandReply {
    markStep(EXPLORING_STEP);
    this.coverage?.mark();
    if (gifts.length > 0) this.receive(gifts);
    const f = this.frontier;
    this.stepCounts = new Array<number>(f.worlds.length).fill(0);
    let violation: ShardFinding | null = null;
    for (let i = 0; i < f.worlds.length && !violation; i++) {
      violation = this.expandOne(i);
    }
    return { batches: this.batches.map((batch) => batch.take()), violation };
  }

  private expandOne(i: number): ShardFinding | null {
    const f = this.frontier;
    const world = f.worlds[i]!;
    const work = f.works[i]!;
    const node = f.nodes[i]!;
    const rank = f.ranks[i]!;
    const steps = successorSteps(this.ctx, world, this.faults, budgetLeft(world, work, this.budgets));
    if (steps.length > 0xffff) throw new Error('invariant: too many successors for the tree');
    const observe = this.coverage !== null;
    const count = this.setup.count;
    const cands = this.cands;
    for (let index = 0; index < steps.length; index++) {
      const step = steps[index]!;
      const applied = applyStep(this.ctx, world, step, observe);
      if (!applied) throw new Error(`invariant: enabled step refused: ${JSON.stringify(step)}`);
      this.stepCounts[i]!++;
      const after = this.services.intern(applied.world, world);
      if (this.coverage) {
        this.coverage.delivered(applied.transitions ?? []);
        if (isFault(step)) this.coverage.fault(step, world);
      }
      const violation = this.check(world, step, after, applied.lockCalls);
      if (violation) return { key: { rank, index }, violation, path: [...this.tree.path(node), index] };
      if (unchanged(world, after)) continue;
      const used = work + (isWorkload(step) ? 1 : 0);
      const budget = this.setup.workload === undefined ? 0 : used;
      this.canonical.fingerprint(after);
      const hi = this.canonical.hi;
      const lo = this.canonical.lo;
      const owner = ownerOf(hi, count);
      // Dominated by what this shard stored before the level: Known whatever else arrives.
      if (owner === this.setup.id && this.visited.dominates(hi, lo, budget, after.faults)) continue;
      const c = cands.worlds.length;
      cands.worlds.push(after);
      cands.parents.push(node);
      cands.indices.push(index);
      cands.works.push(used);
      cands.ranks.push(rank);
      cands.owners.push(owner);
      cands.positions.push(this.batches[owner]!.push(hi, lo, budget, after.faults, rank, index, c));
    }
    return null;
  }

  /** Judges every candidate sent to this shard, in key order, up to the level's stop. */
  visit(incoming: readonly Int32Array[], stop: Key | null): VisitReply {
    const verdicts = incoming.map((words) => new Uint8Array(words.length / RECORD));
    const at = incoming.map(() => 0);
    const stopKey = stop ? stop.rank * KEY_SPAN + stop.index : Number.POSITIVE_INFINITY;
    for (;;) {
      let source = -1;
      let least = Number.POSITIVE_INFINITY;
      for (let s = 0; s < incoming.length; s++) {
        const words = incoming[s]!;
        const p = at[s]!;
        if (p >= words.length) continue;
        const key = words[p + R_RANK]! * KEY_SPAN + words[p + R_INDEX]!;
        if (key < least) {
          least = key;
          source = s;
        }
      }
      if (source < 0) break;
      const words = incoming[source]!;
      const p = at[source]!;
      at[source] = p + RECORD;
      verdicts[source]![p / RECORD] = least >= stopKey ? VERDICT_SKIP
        : this.visited.visit(words[p + R_HI]!, words[p + R_LO]!, words[p + R_WORK]!,
          words[p + R_FAULTS]!);
    }
    return { verdicts };
  }

  /** Keeps the candidates their owners found new or better: the next frontier. */
  settle(verdicts: readonly Uint8Array[], stop: Key | null, mode: LivenessMode): SettleReply {
    if (stop && this.coverage) this.coverUpTo(stop);
    const cands = this.cands;
    const next = emptyLevel();
    this.levelLiveness = [];
    for (let c = 0; c < cands.worlds.length; c++) {
      const verdict = verdicts[cands.owners[c]!]![cands.positions[c]!]!;
      if (verdict === Visit.Known || verdict === VERDICT_SKIP) continue;
      const node = this.tree.add(cands.parents[c]!, cands.indices[c]!);
      this.expansions++;
      const world = cands.worlds[c]!;
      const key = { rank: cands.ranks[c]!, index: cands.indices[c]! };
      if (verdict === Visit.New) this.newState(world, node, this.depth + 1, cands.works[c]!, key, mode);
      this.hold(next, world, cands.works[c]!, node, key.rank * KEY_SPAN + key.index);
    }
    const f = this.frontier;
    let transitions = 0;
    for (let i = 0; i < f.worlds.length; i++) {
      const rank = f.ranks[i]!;
      if (!stop || rank < stop.rank) transitions += this.stepCounts[i]!;
      else if (rank === stop.rank) transitions += stop.index + 1;
    }
    this.transitions += transitions;
    this.cands = { worlds: [], parents: [], indices: [], works: [], ranks: [], owners: [],
      positions: [] };
    this.frontier = next;
    this.depth++;
    // The keys ride in `ranks` until the coordinator sends the level's ranks.
    return { keys: Float64Array.from(next.ranks), liveness: this.levelLiveness, transitions,
      states: this.visited.size };
  }

  /**
   * The level ended in a violation: the coverage of this level becomes what the sequential search
   * delivered before it stopped. Every state was expanded whole, so what they delivered is taken
   * back, and the steps up to the violating one, in the sequential order, are delivered again.
   */
  private coverUpTo(stop: Key): void {
    const coverage = this.coverage!;
    coverage.rollback();
    const f = this.frontier;
    for (let i = 0; i < f.worlds.length && f.ranks[i]! <= stop.rank; i++) {
      const world = f.worlds[i]!;
      const steps = successorSteps(this.ctx, world, this.faults,
        budgetLeft(world, f.works[i]!, this.budgets));
      const last = f.ranks[i] === stop.rank ? stop.index : steps.length - 1;
      for (let index = 0; index <= last; index++) {
        const step = steps[index]!;
        coverage.delivered(applyStep(this.ctx, world, step, true)!.transitions ?? []);
        if (isFault(step)) coverage.fault(step, world);
      }
    }
  }

  finish(): FinishReply {
    return {
      states: this.visited.size,
      expansions: this.expansions,
      transitions: this.transitions,
      quiescent: this.quiescent,
      deepest: this.deepest,
      visitedBytes: this.visited.bytes,
      treeBytes: this.tree.bytes,
      breakdown: this.breakdown.result(),
      coverage: this.coverage?.report() ?? null,
      symmetries: this.canonical.renamings.length,
      raw: this.canonical.raw,
      bitstate: this.visited instanceof BitstateSet ? this.visited.report() : null,
    };
  }

  private hold(level: Level, world: World, work: number, node: number, rank: number): void {
    level.worlds.push(world);
    level.works.push(work);
    level.nodes.push(node);
    level.ranks.push(rank);
  }

  /** Rebuilds handed-over states by replaying their paths, and merges them in by rank. */
  private receive(gifts: readonly Gift[]): void {
    const f = this.frontier;
    for (const gift of gifts) {
      // In rank order, which is the paths' lexicographic order: consecutive paths share their
      // prefix, and the replay goes on from where the two part.
      const replay = new Replay(this.root);
      gift.paths.forEach((path, i) => {
        const { world, work } = replay.to(path, (world, work, index) => this.successor(world, work, index));
        if (work !== gift.works[i]) throw new Error('invariant: a handed-over path replays differently');
        this.hold(f, world, work, this.tree.addReceived(path), gift.ranks[i]!);
      });
    }
    const order = f.ranks.map((_, i) => i).sort((a, b) => f.ranks[a]! - f.ranks[b]!);
    this.frontier = { worlds: order.map((i) => f.worlds[i]!), works: order.map((i) => f.works[i]!),
      nodes: order.map((i) => f.nodes[i]!), ranks: order.map((i) => f.ranks[i]!) };
  }

  /** The world after the step of index `index` from `world` (`work` workload steps used). */
  private successor(world: World, work: number, index: number): { world: World; work: number } {
    const step = successorSteps(this.ctx, world, this.faults,
      budgetLeft(world, work, this.budgets))[index];
    const applied = step && applyStep(this.ctx, world, step);
    if (!step || !applied) throw new Error(`invariant: successor ${index} does not rebuild`);
    return { world: this.services.intern(applied.world, world), work: work + (isWorkload(step) ? 1 : 0) };
  }

  /** Bookkeeping for a new state; a quiescent one gets the liveness checks `mode` still wants. */
  private newState(world: World, node: number, depth: number, work: number, key: Key,
    mode: LivenessMode): void {
    this.deepest = Math.max(this.deepest, depth);
    this.breakdown.add(world, depth, work);
    this.coverage?.world(world);
    if (!isQuiescent(world, this.ctx)) return;
    this.quiescent++;
    if (mode === 'closed') return;
    // What the coordinator needs of this level (`liveness.ts`): the first state with any
    // failing checker (while none was found), and the first two with a failing checker that is
    // not a known finding.
    const wantAny = mode === 'open' && !this.levelLiveness.some((c) => c.any !== null);
    const unknowns = this.levelLiveness.filter((c) => c.unknown !== null).length;
    if (!wantAny && unknowns >= 2) return;
    let any: Violation | null = null;
    let unknown: Violation | null = null;
    let path: number[] | null = null;
    for (const checker of this.liveness) {
      const known = checker.known !== undefined;
      if (known && (any || !wantAny)) continue;
      const message = checker.checkSettled!(this.ctx, world);
      if (!message) continue;
      path ??= this.tree.path(node);
      const violation: Violation = { invariant: checker.id, checker: checker.name,
        kind: 'liveness', message, step: Math.max(0, path.length - 1) };
      if (wantAny) any ??= violation;
      if (!known) {
        unknown = violation;
        break;
      }
    }
    if (path && (any || (unknown && unknowns < 2))) {
      this.levelLiveness.push({ key, any, unknown, path });
    }
  }

  private check(before: World, step: Step, after: World,
    lockCalls: readonly CompletedCall[]): Violation | null {
    const input = { ctx: this.ctx, before, after, step, lockCalls };
    for (const checker of this.safety) {
      const message = checker.check!(input);
      if (message) {
        return { invariant: checker.id, checker: checker.name, kind: 'safety', message,
          step: this.depth };
      }
    }
    return null;
  }
}

/** Whether every part of the world the canonical form reads is the parent's very object. */
function unchanged(before: World, after: World): boolean {
  return after.domains === before.domains && after.procs === before.procs &&
    after.pending === before.pending && after.timers === before.timers &&
    after.disks === before.disks && after.vms === before.vms && after.service === before.service;
}

/** Replays paths of step indices from the root, keeping the worlds along the last one. */
class Replay {
  private path: number[] = [];
  private readonly worlds: World[];
  private readonly works: number[] = [0];

  constructor(root: World) {
    this.worlds = [root];
  }

  to(path: readonly number[],
    successor: (world: World, work: number, index: number) => { world: World; work: number }):
    { world: World; work: number } {
    let common = 0;
    while (common < path.length && common < this.path.length && path[common] === this.path[common]) {
      common++;
    }
    this.path.length = common;
    this.worlds.length = common + 1;
    this.works.length = common + 1;
    for (let d = common; d < path.length; d++) {
      const next = successor(this.worlds[d]!, this.works[d]!, path[d]!);
      this.path.push(path[d]!);
      this.worlds.push(next.world);
      this.works.push(next.work);
    }
    return { world: this.worlds[path.length]!, work: this.works[path.length]! };
  }
}
