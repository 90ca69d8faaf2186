/**
 * Parallel exploration: the states are sharded by fingerprint over N shards (worker threads),
 * as distributed TLC and Stern–Dill's parallel Murφ do — each shard owns the fingerprints of its
 * part and is the only one to judge them — and the search goes level by level (BFS), so that
 * termination is simply an empty frontier after a level and the first counterexample is a
 * shortest one.
 *
 * A level, from the coordinator's side: (1) rank — the keys of the frontier's states, in the
 * order the sequential search would hold them, become dense ranks; shards above the mean hand
 * states over to those below (their paths of step indices, replayed by the receiver); (2)
 * expand — every shard takes every step from its states and sends each candidate's fingerprint
 * to its owner; (3) visit — every owner judges the candidates in key order, up to the first
 * violation of the level if there was one (the sequential search would have stopped there);
 * (4) settle — the senders keep what their owners found new or better.
 *
 * Because each owner judges in the sequential order, the states, expansions, transitions,
 * depth, quiescent states, breakdown, verdicts and the counterexamples themselves are the
 * sequential explorer's (`test/explorer/parallel.test.ts`); only `max-states` stops at the end
 * of a level. Every counterexample is replayed on the object world before it is reported
 * (`confirm.ts`).
 */
import type { Violation } from '../../checkers/index.ts';
import { confirmCounterexample } from '../confirm.ts';
import { mergeBitstate } from '../bitstate.ts';
import { stepsOf } from '../counterexample.ts';
import { Explorer, type ExploreOptions, type ExploreResult, type Finding, type StopReason }
  from '../explore.ts';
import type { Breakdown } from '../breakdown.ts';
import type { CoverageCount, CoverageReport } from '../coverage.ts';
import { findingViolation, judgeLevel, OPEN, type LivenessState } from './liveness.ts';
import type {
  ExpandReply, FinishReply, Gift, InitReply, Key, RankReply, SettleReply, ShardFinding,
  ShardRequest, VisitReply,
} from './messages.ts';
import { Shard } from './shard.ts';
import { transferables } from './transfer.ts';
import type { SimDriver } from '../../resolve-driver.ts';

/** How a coordinator talks to one shard: a worker thread, or the shard itself in this thread. */
export interface ShardPort {
  request(message: ShardRequest): Promise<unknown>;
  close(): Promise<void>;
}

/** What to explore, on how many shards. */
export interface ParallelOptions extends ExploreOptions {
  /** Shards (worker threads). */
  readonly workers: number;
  /** How to resolve the driver in a worker (default: its name; built-in drivers and canaries). */
  readonly driverSpec?: string;
  /** Run the shards in this thread (tests): same protocol, no parallelism. */
  readonly inThread?: boolean;
  /** Stops the search between two levels (`ExploreAborted`). */
  readonly signal?: AbortSignal;
}

/** The search was stopped by its signal; how far it got. */
export class ExploreAborted extends Error {
  override readonly name = 'ExploreAborted';
  constructor(readonly states: number, readonly depth: number, readonly transitions: number) {
    super('exploration aborted');
  }
}

const DEFAULT_MAX_STATES = 10_000_000;
/** More shards than this is a mistake (the key merge is linear in the shards). */
export const MAX_WORKERS = 64;
/** A shard more than this far above the mean hands states over (replaying costs more than
 * expanding, so small differences are left alone). */
const TOLERANCE = 0.02;
const SLACK = 4;

/** Explores on `options.workers` shards; the result is the sequential explorer's. */
export async function exploreParallel(options: ParallelOptions): Promise<ExploreResult> {
  const pool = await ShardPool.open(options.workers, options.inThread ? options.driver : null);
  try {
    return await pool.explore(options);
  } finally {
    await pool.close();
  }
}

/**
 * Shards that outlive one exploration: a bench (or a matrix of cells) explores several worlds on
 * one pool, and the interned statecharts each worker has stepped stay warm.
 */
export class ShardPool {
  private constructor(private readonly ports: readonly ShardPort[]) {}

  /** Opens `workers` shards on worker threads (or, given `inThread`'s driver, in this thread). */
  static async open(workers: number, inThread: SimDriver | null = null): Promise<ShardPool> {
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
      throw new RangeError(`the number of workers must be 1…${MAX_WORKERS}`);
    }
    const opened = await Promise.allSettled(Array.from({ length: workers },
      () => (inThread ? inThreadPort(inThread) : workerPort())));
    const ports = opened.flatMap((port) => (port.status === 'fulfilled' ? [port.value] : []));
    const failed = opened.find((port) => port.status === 'rejected');
    if (failed) {
      await Promise.all(ports.map((port) => port.close()));
      throw failed.reason;
    }
    return new ShardPool(ports);
  }

  get workers(): number {
    return this.ports.length;
  }

  /** Explores with `options` (its `workers` and `inThread` are the pool's). */
  async explore(options: Omit<ParallelOptions, 'workers'>): Promise<ExploreResult> {
    if (options.onState) throw new Error('onState is not available with workers');
    const count = this.ports.length;
    // The coordinator's own copy of the world: to rebuild and replay counterexamples.
    const local = new Explorer({ ...options, onLevel: undefined, coverage: false,
      bitstate: undefined });
    await Promise.all(this.ports.map((port, id) => port.request({ kind: 'setup', setup: {
      id, count, driverSpec: options.driverSpec ?? options.driver.name, shape: options.shape,
      faults: options.faults, faultBudget: options.faultBudget, definitions: local.definitions,
      ...(options.design ? { design: options.design } : {}),
      ...(options.workload !== undefined ? { workload: options.workload } : {}),
      ...(options.symmetry !== undefined ? { symmetry: options.symmetry } : {}),
      ...(options.invariants ? { invariants: options.invariants } : {}),
      ...(options.coverage !== undefined ? { coverage: options.coverage } : {}),
      ...(options.bitstate !== undefined ? { bitstate: options.bitstate } : {}),
    } })));
    return coordinate(this.ports, options, local);
  }

  async close(): Promise<void> {
    await Promise.all(this.ports.map((port) => port.close()));
  }
}

async function coordinate(ports: readonly ShardPort[], options: Omit<ParallelOptions, 'workers'>,
  local: Explorer): Promise<ExploreResult> {
  const all = <R>(message: (shard: number) => ShardRequest) =>
    Promise.all(ports.map((port, shard) => port.request(message(shard)))) as Promise<R[]>;
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const init = await all<InitReply>(() => ({ kind: 'init' }));
  let keys = init.map((reply) => reply.keys);
  let liveness: LivenessState = judgeLevel(OPEN, init.flatMap((reply) => reply.liveness));
  let depth = 0;
  let states = 0;
  let transitions = 0;
  let found: ShardFinding | null = null;
  let stop: StopReason = 'exhausted';
  let critical = 0;
  let handedOver = 0;
  for (;;) {
    if (keys.every((part) => part.length === 0)) break;
    if (options.depth !== undefined && depth >= options.depth) {
      stop = 'depth';
      break;
    }
    if (options.signal?.aborted) throw new ExploreAborted(states, depth, transitions);
    const ranks = rankKeys(keys);
    const plan = balance(ranks.map((part) => part.length));
    handedOver += plan.give.reduce((sum, n) => sum + n, 0);
    const given = await all<RankReply>((shard) =>
      ({ kind: 'rank', ranks: ranks[shard]!, give: plan.give[shard]! }));
    const gifts = ports.map(() => [] as Gift[]);
    for (const { from, to, offset, length } of plan.moves) {
      gifts[to]!.push(sliceGift(given[from]!.gift!, offset, length));
    }
    const expanded = await all<ExpandReply>((shard) => ({ kind: 'expand', gifts: gifts[shard]! }));
    found = firstFinding(expanded.map((reply) => reply.violation));
    const at = found?.key ?? null;
    const visited = await all<VisitReply>((owner) =>
      ({ kind: 'visit', incoming: expanded.map((reply) => reply.batches[owner]!), stop: at }));
    const settled = await all<SettleReply>((sender) => ({ kind: 'settle',
      verdicts: visited.map((reply) => reply.verdicts[sender]!), stop: at, liveness: liveness.mode }));
    depth++;
    transitions += settled.reduce((sum, reply) => sum + reply.transitions, 0);
    critical += Math.max(...settled.map((reply) => reply.transitions));
    states = settled.reduce((sum, reply) => sum + reply.states, 0);
    liveness = judgeLevel(liveness, settled.flatMap((reply) => reply.liveness));
    keys = settled.map((reply) => reply.keys);
    if (found) {
      stop = 'violation';
      break;
    }
    options.onLevel?.({ depth, states, transitions,
      frontier: keys.reduce((sum, part) => sum + part.length, 0) });
    if (states >= maxStates) {
      stop = 'max-states';
      break;
    }
  }
  const finished = await all<FinishReply>(() => ({ kind: 'finish' }));
  return { ...result(local, options, finished, stop, found, liveness),
    parallel: { workers: ports.length, criticalTransitions: critical, handedOver } };
}

function result(local: Explorer, options: Omit<ParallelOptions, 'workers'>, finished: readonly FinishReply[],
  stop: StopReason, found: ShardFinding | null, liveness: LivenessState): ExploreResult {
  const sum = (pick: (reply: FinishReply) => number) =>
    finished.reduce((total, reply) => total + pick(reply), 0);
  const budgets = { faultBudget: options.faultBudget, workload: options.workload };
  const faults = new Set(options.faults);
  const confirmed = (path: readonly number[], violation: Violation): Finding => {
    const steps = stepsOf(local.ctx, local.root, faults, budgets, path);
    confirmCounterexample(local.ctx, local.root, steps, violation, options.invariants);
    return { violation, steps };
  };
  const livenessViolation = findingViolation(liveness);
  return {
    states: sum((reply) => reply.states),
    expansions: sum((reply) => reply.expansions),
    transitions: sum((reply) => reply.transitions),
    depth: Math.max(...finished.map((reply) => reply.deepest)),
    stop,
    exhausted: stop === 'exhausted' && options.bitstate === undefined,
    violation: found ? confirmed(found.path, found.violation) : null,
    liveness: livenessViolation ? confirmed(liveness.finding!.path, livenessViolation) : null,
    quiescent: sum((reply) => reply.quiescent),
    symmetries: finished[0]!.symmetries,
    raw: finished[0]!.raw,
    bytes: { visited: sum((reply) => reply.visitedBytes), tree: sum((reply) => reply.treeBytes) },
    breakdown: mergeBreakdowns(finished.map((reply) => reply.breakdown)),
    coverage: options.coverage === false ? null
      : mergeCoverage(finished.map((reply) => reply.coverage!)),
    definitions: local.definitions,
    ...(finished[0]!.bitstate ? { bitstate: mergeBitstate(finished.map((reply) => reply.bitstate!),
      sum((reply) => reply.states)) } : {}),
  };
}

const keyBefore = (a: Key, b: Key) => a.rank < b.rank || (a.rank === b.rank && a.index < b.index);

/** The level's first violation in the sequential order. */
function firstFinding(findings: readonly (ShardFinding | null)[]): ShardFinding | null {
  let best: ShardFinding | null = null;
  for (const finding of findings) {
    if (finding && (!best || keyBefore(finding.key, best.key))) best = finding;
  }
  return best;
}

/** Dense ranks of every shard's keys in their merged order (each shard's keys ascend). */
export function rankKeys(keys: readonly Float64Array[]): Int32Array[] {
  const ranks = keys.map((part) => new Int32Array(part.length));
  const at = keys.map(() => 0);
  const total = keys.reduce((sum, part) => sum + part.length, 0);
  for (let rank = 0; rank < total; rank++) {
    let shard = -1;
    let least = Number.POSITIVE_INFINITY;
    for (let s = 0; s < keys.length; s++) {
      const p = at[s]!;
      if (p < keys[s]!.length && keys[s]![p]! < least) {
        least = keys[s]![p]!;
        shard = s;
      }
    }
    ranks[shard]![at[shard]!++] = rank;
  }
  return ranks;
}

/** Who hands how many states to whom: shards above the mean give their last states to those
 * below it. */
export interface BalancePlan {
  readonly give: readonly number[];
  readonly moves: readonly { from: number; to: number; offset: number; length: number }[];
}

export function balance(sizes: readonly number[]): BalancePlan {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const mean = total / sizes.length;
  const give = sizes.map(() => 0);
  const moves: { from: number; to: number; offset: number; length: number }[] = [];
  if (Math.max(...sizes) <= mean * (1 + TOLERANCE) + SLACK) return { give, moves };
  const target = sizes.map((_, i) => Math.floor(total / sizes.length) +
    (i < total % sizes.length ? 1 : 0));
  const deficits = sizes.map((size, i) => Math.max(0, target[i]! - size));
  sizes.forEach((size, from) => {
    give[from] = Math.max(0, size - target[from]!);
    let offset = 0;
    for (let to = 0; to < sizes.length && offset < give[from]!; to++) {
      const length = Math.min(deficits[to]!, give[from]! - offset);
      if (length <= 0) continue;
      moves.push({ from, to, offset, length });
      deficits[to]! -= length;
      offset += length;
    }
  });
  return { give, moves };
}

function sliceGift(gift: Gift, offset: number, length: number): Gift {
  return { ranks: gift.ranks.slice(offset, offset + length),
    works: gift.works.slice(offset, offset + length),
    paths: gift.paths.slice(offset, offset + length) };
}

function mergeBreakdowns(parts: readonly Breakdown[]): Breakdown {
  const merged: Record<string, number[]> = {};
  for (const part of parts) {
    for (const [feature, counts] of Object.entries(part)) {
      const into = merged[feature] ??= [];
      counts.forEach((n, value) => { into[value] = (into[value] ?? 0) + n; });
    }
  }
  for (const counts of Object.values(merged)) {
    for (let i = 0; i < counts.length; i++) counts[i] ??= 0;
  }
  return merged as unknown as Breakdown;
}

/** What any shard reached was reached: the missing are those every shard missed. */
function mergeCoverage(parts: readonly CoverageReport[]): CoverageReport {
  const merge = (counts: readonly CoverageCount[]): CoverageCount => {
    const missing = counts[0]!.missing.filter((name) => counts.every((c) => c.missing.includes(name)));
    return { total: counts[0]!.total, reached: counts[0]!.total - missing.length, missing };
  };
  const field = (name: keyof CoverageReport) => merge(parts.map((part) => part[name]));
  return { domainStates: field('domainStates'), processStates: field('processStates'),
    domainTransitions: field('domainTransitions'),
    processTransitions: field('processTransitions'), faultCells: field('faultCells') };
}

/** A shard in this thread (tests): the same requests, answered synchronously. */
async function inThreadPort(driver: SimDriver): Promise<ShardPort> {
  let shard: Shard | null = null;
  return {
    request: (message) => {
      if (message.kind === 'setup') {
        shard = new Shard(message.setup, driver);
        return Promise.resolve(null);
      }
      return Promise.resolve(shard!.handle(structuredClone(message)));
    },
    close: () => Promise.resolve(),
  };
}

/** A shard on a worker thread (`shard-worker.mjs`). */
async function workerPort(): Promise<ShardPort> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL('./shard-worker.mjs', import.meta.url));
  let pending: { resolve: (value: unknown) => void; reject: (error: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    pending?.reject(failure);
    pending = null;
  };
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { ready?: true; reply?: unknown; error?: string }) => {
      if (message.ready) {
        resolve();
        return;
      }
      const waiting = pending;
      pending = null;
      if (message.error !== undefined) fail(new Error(`explore worker failed: ${message.error}`));
      else waiting?.resolve(message.reply);
    });
    worker.on('error', (error) => {
      reject(error);
      fail(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`explore worker exited (code ${code})`);
      reject(error);
      fail(error);
    });
  });
  return {
    request: (message) => new Promise((resolve, reject) => {
      if (failure) {
        reject(failure);
        return;
      }
      pending = { resolve, reject };
      worker.postMessage(message, transferables(message));
    }),
    close: async () => {
      failure ??= new Error('closed');
      await worker.terminate();
    },
  };
}
