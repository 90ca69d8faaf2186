/**
 * `lockchart sim --seeds N`: a sweep of seeds, split into chunks that run in parallel on worker
 * threads (matrix cells without shrinking). It reports the first violating seed — the lowest, so
 * the answer does not depend on which worker finished first — and how to re-run it alone.
 */
import { runCells } from '../matrix/pool.ts';
import type { CellSpec } from '../matrix/cell.ts';
import type { InvariantId } from '../sim/checkers/index.ts';
import type { FaultName } from '../sim/faults/index.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { CommandIo } from './command.ts';
import { progress } from './progress.ts';

export interface SweepOptions {
  readonly driver: string;
  readonly faults: readonly FaultName[];
  readonly first: number;
  readonly seeds: number;
  readonly steps: number;
  readonly workers: number;
  readonly shape?: WorldShape;
  readonly invariants?: readonly InvariantId[];
}

export async function sweep(options: SweepOptions, io: CommandIo): Promise<{ violated: boolean }> {
  const chunk = Math.max(1, Math.ceil(options.seeds / (options.workers * 4)));
  const specs: CellSpec[] = [];
  for (let seed = options.first; seed < options.first + options.seeds; seed += chunk) {
    specs.push({
      driver: options.driver, fault: options.faults[0] ?? 'none', faults: options.faults,
      seeds: Math.min(chunk, options.first + options.seeds - seed), firstSeed: seed,
      steps: options.steps, traceDir: null, shrink: false,
      ...(options.shape ? { shape: options.shape } : {}),
      ...(options.invariants ? { invariants: options.invariants } : {}),
    });
  }
  const bar = progress(io, 'sweep');
  const cells = await runCells(specs, { workers: options.workers,
    onResult: (cell, done, total) => bar.update(done, total,
      cell.verdict === 'violated' ? `seed ${cell.seed}: ${cell.invariant}` : `${cell.seeds} seeds safe`) });
  bar.done();
  const steps = cells.reduce((sum, cell) => sum + cell.steps, 0);
  const first = cells.filter((cell) => cell.verdict === 'violated')
    .sort((a, b) => a.seed! - b.seed!)[0];
  io.out(`swept seeds ${options.first}…${options.first + options.seeds - 1} of ${options.driver} ` +
    `(faults ${options.faults.join(',') || 'none'}) on ${options.workers} worker thread(s): ` +
    `${steps.toLocaleString('en-US')} steps`);
  if (!first) {
    io.out('  safe: no seed broke an invariant');
    return { violated: false };
  }
  io.out(`  VIOLATED ${first.invariant} at seed ${first.seed}: ${first.message}`);
  io.out(`  re-run it alone with its trace: lockchart sim --driver ${options.driver} --seed ${first.seed} ` +
    `--steps ${options.steps}${options.faults.length ? ` --faults ${options.faults.join(',')}` : ''} ` +
    '--trace FILE');
  return { violated: true };
}
