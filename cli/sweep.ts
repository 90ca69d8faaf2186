/**
 * `lockchart sim --seeds N`: a sweep of seeds, split into chunks that run in parallel on worker
 * threads (matrix cells without shrinking). It tells what a single seed tells, for the lowest
 * seed that shows it — so the answer does not depend on which worker finished first, nor on how
 * the seeds were cut (`sweep-report.ts`) — and how to re-run that seed alone. With a shard
 * (`--shard i/n`, or a Kubernetes Indexed Job's) it runs that shard's range of seeds only, and
 * `merge` joins the shards' reports. Ctrl-C stops it and says which seeds were done.
 */
import { runCells } from '../matrix/pool.ts';
import type { CellResult, CellSpec } from '../matrix/cell.ts';
import type { Shard } from '../matrix/matrix.ts';
import type { CommandIo } from './command.ts';
import { withInterrupt } from './interrupt.ts';
import { progress } from './progress.ts';
import {
  joinParts, seedRange, type SeedRange, type SweepParams, type SweepPart, type SweepReport,
} from './sweep-report.ts';

export interface SweepOptions {
  readonly params: SweepParams;
  /** Only this shard's range of the seeds. */
  readonly shard: Shard | null;
  readonly workers: number;
}

function chunks(params: SweepParams, range: SeedRange, workers: number): CellSpec[] {
  const seeds = range.last - range.first + 1;
  const chunk = Math.max(1, Math.ceil(seeds / (workers * 4)));
  const specs: CellSpec[] = [];
  for (let seed = range.first; seed <= range.last; seed += chunk) {
    specs.push({
      driver: params.driver, fault: params.faults[0] ?? 'none', faults: params.faults,
      seeds: Math.min(chunk, range.last - seed + 1), firstSeed: seed,
      steps: params.steps, traceDir: null, shrink: false,
      ...(params.shape ? { shape: params.shape } : {}),
      ...(params.design ? { design: params.design } : {}),
      ...(params.invariants ? { invariants: params.invariants } : {}),
    });
  }
  return specs;
}

/** A chunk's result as a part of the sweep (it stopped at its first violation, if any). */
function part(spec: CellSpec, cell: CellResult): SweepPart {
  return {
    range: { first: spec.firstSeed, last: spec.firstSeed + spec.seeds - 1 },
    steps: cell.steps,
    violation: cell.verdict === 'violated'
      ? { invariant: cell.invariant!, seed: cell.seed!, message: cell.message! } : null,
    liveness: cell.liveness ?? null,
  };
}

export async function sweep(options: SweepOptions, io: CommandIo): Promise<SweepReport> {
  const { params, shard } = options;
  const range = seedRange(params, shard);
  const specs = chunks(params, range, options.workers);
  const abort = new AbortController();
  const bar = progress(io, 'sweep');
  let results;
  try {
    results = await withInterrupt(() => abort.abort(), () => runCells(specs, {
      workers: options.workers, signal: abort.signal,
      onResult: (cell, done, total) => bar.update(done, total,
        cell.verdict === 'violated' ? `seed ${cell.seed}: ${cell.invariant}` : `${cell.seeds} seeds safe`) }));
  } finally {
    bar.done();
  }
  const parts = specs.flatMap((spec, i) => (results[i] ? [part(spec, results[i])] : []));
  const interrupted = abort.signal.aborted;
  return {
    lockchart: 'sweep', params, shard, ...range, ...joinParts(parts),
    ...(interrupted ? { interrupted: true as const, done: parts.map((p) => p.range) } : {}),
  };
}
