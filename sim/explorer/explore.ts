/**
 * The exhaustive explorer: breadth-first search over the worlds the simulator's own statecharts
 * and driver models can reach, taking every enabled step — workload, environment, every fault
 * within the fault budget and every admissible outcome of every failing call — and checking the
 * simulator's safety checkers on every transition and its liveness checker (S7) on every
 * quiescent state. States are stored as 64-bit fingerprints of a canonical form (pids
 * renumbered, symmetric worlds merged); BFS makes the first counterexample a shortest one.
 *
 * Bounds: the fault budget (faults per behaviour), the optional workload budget (workload steps
 * per behaviour) and depth, and a cap on stored states. The state space without a workload
 * bound is infinite (orphaned calls and repeated shared acquires accumulate; see
 * `docs/explorer.md`), so "exhausted" is always relative to the bounds given.
 *
 * Pure: no clock, no randomness. The caller measures time.
 */
import { EXPLORING_STEP, markStep } from '../../drivers/registry/call-slot.ts';
import { isKnown, type InvariantId, type Violation } from '../checkers/index.ts';
import type { SimDriver } from '../resolve-driver.ts';
import type { FaultName } from '../faults/index.ts';
import { isFault, type Step } from '../steps.ts';
import { applyStep } from '../world/apply.ts';
import { isWorkload } from '../steps/index.ts';
import type { CompletedCall } from '../world/lock-calls.ts';
import type { Design } from '../world/design.ts';
import type { WorldShape } from '../world/shape.ts';
import type { VmDefinition, World } from '../world/types.ts';
import type { Breakdown } from './breakdown.ts';
import { stepsOf } from './counterexample.ts';
import { confirmCounterexample } from './confirm.ts';
import type { CoverageReport } from './coverage.ts';
import { SearchTree } from './search-tree.ts';
import { Search } from './search-parts.ts';
import { budgetLeft, isQuiescent, successorSteps } from './successors.ts';
import { MAX_FAULTS, MAX_WORKLOAD, Visit, VisitedSet, type StateStore } from './visited.ts';
import { BitstateSet, type BitstateReport } from './bitstate.ts';
import { PackedDrift, packedDifference, WorldPacker } from './packed.ts';
import { Prng } from '../prng.ts';

/** What to explore and within which bounds. */
export interface ExploreOptions {
  readonly driver: SimDriver;
  readonly shape: WorldShape;
  /** The lock-manager design (default libvirt). */
  readonly design?: Design;
  /** The fault classes that may strike. */
  readonly faults: readonly FaultName[];
  /** Faults per behaviour (0…7). */
  readonly faultBudget: number;
  /** Workload steps per behaviour (0…14); undefined: unbounded. */
  readonly workload?: number;
  /** Steps per behaviour; undefined: unbounded. */
  readonly depth?: number;
  /** Merge worlds that differ by a permutation of hosts, VMs and disks (default true). */
  readonly symmetry?: boolean;
  /** Stop after storing this many states (default 10 million). */
  readonly maxStates?: number;
  /** Only these invariants (default: every checker that applies to the driver). */
  readonly invariants?: readonly InvariantId[];
  /** Record coverage (default true). */
  readonly coverage?: boolean;
  /** The VMs (default: `plainDefinitions`, the symmetric layout). */
  readonly definitions?: readonly VmDefinition[];
  /** Called after each BFS level (progress). */
  readonly onLevel?: (progress: LevelProgress) => void;
  /** Keep states as bits in an array of this many bytes (SPIN's bitstate; `bitstate.ts`):
   * a partial search with a coverage estimate, for worlds larger than memory. */
  readonly bitstate?: number;
  /** Keep the frontier packed (`packed.ts`): a few hundred bytes a state instead of an object
   * graph, with a seeded sample of the packed states checked against the object world. */
  readonly packed?: boolean | PackedOptions;
  /** Called with each distinct state when first stored (tests, diagnostics). */
  readonly onState?: (world: World, depth: number) => void;
}

/** Progress after a BFS level. */
export interface LevelProgress {
  readonly depth: number;
  readonly states: number;
  readonly transitions: number;
  readonly frontier: number;
}

/** How the frontier is packed and its packing checked. */
export interface PackedOptions {
  /** The packer (tests plant a difference in one). */
  readonly packer?: WorldPacker;
  /** One packed state in this many, drawn by a seeded PRNG, is checked (default 64). */
  readonly sampleEvery?: number;
  readonly seed?: number;
}

/** What the packed frontier held and how much of it was checked. */
export interface PackedReport {
  /** States packed (every frontier entry). */
  readonly states: number;
  /** Their packed size in all, in bytes. */
  readonly bytes: number;
  /** States checked against the object world (`packedDifference`). */
  readonly checked: number;
  /** Interned objects and strings the packed states refer to. */
  readonly interned: number;
}

/** A violation and the shortest path of steps that shows it. */
export interface Finding {
  readonly violation: Violation;
  readonly steps: readonly Step[];
}

/** Why the search ended: nothing left within the bounds, a bound, or a violation. */
export type StopReason = 'exhausted' | 'depth' | 'max-states' | 'violation';

/** Exact counts, verdicts, coverage and breakdown of an exploration. */
export interface ExploreResult {
  /** Distinct states (canonical worlds) stored. */
  readonly states: number;
  /** States expanded (a state reached again with a budget no visit dominates is re-expanded). */
  readonly expansions: number;
  readonly transitions: number;
  /** The depth of the deepest state stored. */
  readonly depth: number;
  readonly stop: StopReason;
  /** Every behaviour within the bounds was explored. */
  readonly exhausted: boolean;
  readonly violation: Finding | null;
  readonly liveness: Finding | null;
  /** Distinct quiescent states (where S7 was judged). */
  readonly quiescent: number;
  /** Size of the symmetry group used (1: none). */
  readonly symmetries: number;
  /** The model cannot rename pids: raw pids, no symmetry. */
  readonly raw: boolean;
  readonly bytes: { readonly visited: number; readonly tree: number };
  readonly breakdown: Breakdown;
  readonly coverage: CoverageReport | null;
  readonly definitions: readonly VmDefinition[];
  /** The packed frontier's size and checks, when it was packed. */
  readonly packed?: PackedReport;
  /** The bit array's fill and coverage estimate, when states were kept as bits. */
  readonly bitstate?: BitstateReport;
  /** How the work was shared, when it ran on shards (`parallel/coordinator.ts`). */
  readonly parallel?: ParallelStats;
}

/** How a parallel exploration shared its work. */
export interface ParallelStats {
  readonly workers: number;
  /** Per level, the transitions of the busiest shard, summed: the search's critical path. */
  readonly criticalTransitions: number;
  /** States handed from a shard to another to balance the load (each replayed by its path). */
  readonly handedOver: number;
}

const DEFAULT_MAX_STATES = 10_000_000;

/** One BFS level's states: tree node, world and workload used, in parallel arrays. */
interface Frontier {
  nodes: number[];
  worlds: (World | Int32Array)[];
  works: number[];
}

/** The options, once their budgets are within what the state encoding holds. */
function checkedBudgets(options: ExploreOptions): ExploreOptions {
  if (options.faultBudget < 0 || options.faultBudget > MAX_FAULTS) {
    throw new RangeError(`the fault budget must be 0…${MAX_FAULTS}`);
  }
  const workload = options.workload;
  if (workload !== undefined && (workload < 0 || workload > MAX_WORKLOAD)) {
    throw new RangeError(`the workload budget must be 0…${MAX_WORKLOAD}`);
  }
  return options;
}

/** One exploration: its world, canonical form, visited set and BFS tree. */
export class Explorer extends Search {
  readonly visited: StateStore;
  readonly tree = new SearchTree();
  private transitions = 0;
  private quiescent = 0;
  private deepest = 0;
  private violation: Finding | null = null;
  private livenessFinding: Finding | null = null;
  private readonly packer: WorldPacker | null;
  private readonly sample: { prng: Prng; every: number } | null;
  private packedStates = 0;
  private packedWords = 0;
  private packedChecked = 0;

  constructor(readonly options: ExploreOptions) {
    super(options.driver, checkedBudgets(options));
    this.visited = options.bitstate === undefined ? new VisitedSet()
      : new BitstateSet(options.bitstate);
    const packed = options.packed === true ? {} : options.packed || null;
    this.packer = packed ? packed.packer ?? new WorldPacker() : null;
    this.sample = packed ? { prng: new Prng(packed.seed ?? 1), every: packed.sampleEvery ?? 64 }
      : null;
  }

  /** Whether a world's canonical form is among the stored states. */
  contains(world: World): boolean {
    this.canonical.fingerprint(world);
    return this.visited.has(this.canonical.hi, this.canonical.lo);
  }

  /** Searches breadth-first until nothing is left within the bounds, a bound stops it, or a
   * safety violation is found. */
  run(): ExploreResult {
    markStep(EXPLORING_STEP);
    const maxStates = this.options.maxStates ?? DEFAULT_MAX_STATES;
    let frontier: Frontier = { nodes: [], worlds: [], works: [] };
    this.canonical.fingerprint(this.root);
    this.visited.visit(this.canonical.hi, this.canonical.lo, 0, 0);
    this.newState(this.root, this.tree.add(-1, 0), 0, 0);
    this.push(frontier, 0, this.root, 0);
    let depth = 0;
    let stop: StopReason = 'exhausted';
    for (; frontier.nodes.length > 0; depth++) {
      if (this.options.depth !== undefined && depth >= this.options.depth) {
        stop = 'depth';
        break;
      }
      const next: Frontier = { nodes: [], worlds: [], works: [] };
      for (let i = 0; i < frontier.nodes.length && stop === 'exhausted'; i++) {
        const held = frontier.worlds[i]!;
        const world = held instanceof Int32Array ? this.packer!.unpack(held) : held;
        stop = this.expand(frontier.nodes[i]!, world, frontier.works[i]!, depth, next, maxStates);
      }
      if (stop !== 'exhausted') break;
      frontier = next;
      this.options.onLevel?.({ depth: depth + 1, states: this.visited.size,
        transitions: this.transitions, frontier: next.nodes.length });
    }
    return this.result(stop);
  }

  /** Expands one state into `next`; returns why to stop, or 'exhausted' to go on. */
  private expand(node: number, world: World, work: number, depth: number, next: Frontier,
    maxStates: number): StopReason {
    const steps = successorSteps(this.ctx, world, this.faults, budgetLeft(world, work, this.budgets));
    if (steps.length > 0xffff) throw new Error('invariant: too many successors for the tree');
    const observe = this.coverage !== null;
    for (let index = 0; index < steps.length; index++) {
      const step = steps[index]!;
      const workload = isWorkload(step);
      const applied = applyStep(this.ctx, world, step, observe);
      if (!applied) throw new Error(`invariant: enabled step refused: ${JSON.stringify(step)}`);
      this.transitions++;
      const after = this.services.intern(applied.world, world);
      if (this.coverage) {
        this.coverage.delivered(applied.transitions ?? []);
        if (isFault(step)) this.coverage.fault(step, world);
      }
      const violation = this.check(world, step, after, applied.lockCalls, depth);
      if (violation) {
        this.violation = { violation, steps: [...this.stepsTo(node), step] };
        return 'violation';
      }
      // Nothing the canonical form keeps changed (a denied rogue call, a re-exec that lost no
      // reply…): the parent's own visit, with no more budget used, dominates this one.
      if (unchanged(world, after)) continue;
      const used = work + (workload ? 1 : 0);
      // Unbounded, the workload used is no budget: no visit dominates another by it.
      const budget = this.options.workload === undefined ? 0 : used;
      this.canonical.fingerprint(after);
      const visit = this.visited.visit(this.canonical.hi, this.canonical.lo, budget, after.faults);
      if (visit === Visit.Known) continue;
      const child = this.tree.add(node, index);
      if (visit === Visit.New) this.newState(after, child, depth + 1, used);
      this.push(next, child, after, used);
      if (this.visited.size >= maxStates) return 'max-states';
    }
    return 'exhausted';
  }

  /** Adds a state to a frontier: packed, when the frontier is (a sample checked first). */
  private push(frontier: Frontier, node: number, world: World, work: number): void {
    frontier.nodes.push(node);
    frontier.works.push(work);
    if (!this.packer) {
      frontier.worlds.push(world);
      return;
    }
    const sample = this.sample!;
    if (sample.prng.int(sample.every) === 0) {
      this.packedChecked++;
      const difference = packedDifference({ ctx: this.ctx, faults: this.faults,
        checkers: this.safety }, this.packer, world);
      if (difference) {
        throw new PackedDrift(`the packed world differs from the object world: ${difference}`);
      }
    }
    const words = this.packer.pack(world);
    this.packedStates++;
    this.packedWords += words.length;
    frontier.worlds.push(words);
  }

  /** Bookkeeping for a state seen for the first time; quiescent states get the liveness check. */
  private newState(world: World, node: number, depth: number, work: number): void {
    this.deepest = Math.max(this.deepest, depth);
    this.breakdown.add(world, depth, work);
    this.coverage?.world(world);
    this.options.onState?.(world, depth);
    // Under the RFC design, calls that only wait (a busy AcquireResource) settle nothing more.
    if (!isQuiescent(world, this.ctx)) return;
    this.quiescent++;
    // After a known finding, keep looking for a new one: the known leak never masks another.
    const known = this.livenessFinding !== null;
    if (known && !isKnown(this.livenessFinding!.violation.invariant)) return;
    for (const checker of this.liveness) {
      if (known && checker.known) continue;
      const message = checker.checkSettled!(this.ctx, world);
      if (!message) continue;
      const steps = this.stepsTo(node);
      this.livenessFinding = { steps, violation: { invariant: checker.id, checker: checker.name,
        kind: 'liveness', message, step: Math.max(0, steps.length - 1) } };
      return;
    }
  }

  private check(before: World, step: Step, after: World, lockCalls: readonly CompletedCall[],
    depth: number): Violation | null {
    const input = { ctx: this.ctx, before, after, step, lockCalls };
    for (const checker of this.safety) {
      const message = checker.check!(input);
      if (message) {
        return { invariant: checker.id, checker: checker.name, kind: 'safety', message,
          step: depth };
      }
    }
    return null;
  }

  private stepsTo(node: number): Step[] {
    return stepsOf(this.ctx, this.root, this.faults, this.budgets, this.tree.path(node));
  }

  /** A finding, once replayed on the object world (`confirm.ts`). */
  private confirmed(finding: Finding | null): Finding | null {
    if (finding) {
      confirmCounterexample(this.ctx, this.root, finding.steps, finding.violation,
        this.options.invariants);
    }
    return finding;
  }

  private result(stop: StopReason): ExploreResult {
    return {
      states: this.visited.size,
      expansions: this.tree.size,
      transitions: this.transitions,
      depth: this.deepest,
      stop,
      // A bitstate search may have taken unvisited states for visited: never exhaustive.
      exhausted: stop === 'exhausted' && !(this.visited instanceof BitstateSet),
      violation: this.confirmed(this.violation),
      liveness: this.confirmed(this.livenessFinding),
      quiescent: this.quiescent,
      symmetries: this.canonical.renamings.length,
      raw: this.canonical.raw,
      bytes: { visited: this.visited.bytes, tree: this.tree.bytes },
      breakdown: this.breakdown.result(),
      coverage: this.coverage?.report() ?? null,
      definitions: this.definitions,
      ...(this.visited instanceof BitstateSet ? { bitstate: this.visited.report() } : {}),
      ...(this.packer ? { packed: { states: this.packedStates, bytes: this.packedWords * 4,
        checked: this.packedChecked, interned: this.packer.interned } } : {}),
    };
  }
}

/** Whether every part of the world the canonical form reads is the parent's very object. */
function unchanged(before: World, after: World): boolean {
  return after.domains === before.domains && after.procs === before.procs &&
    after.pending === before.pending && after.timers === before.timers &&
    after.disks === before.disks && after.vms === before.vms && after.service === before.service;
}



/** Explores with `options` and returns the result (see `Explorer`). */
export function explore(options: ExploreOptions): ExploreResult {
  return new Explorer(options).run();
}
