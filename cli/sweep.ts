/**
 * `lockchart sim --seeds N`: a sweep of seeds, split into chunks that run in parallel on worker
 * threads (matrix cells without shrinking). It tells what a single seed tells, for the lowest
 * seed that shows it — so the answer does not depend on which worker finished first — and how
 * to re-run that seed alone: the first safety violation, and the first liveness violation
 * (a sweep keeps going past one, as a single seed's safety phase does). Ctrl-C stops it and
 * says which seeds were done.
 */
import { runCells } from '../matrix/pool.ts';
import type { CellResult, CellSpec } from '../matrix/cell.ts';
import { isKnown, type InvariantId } from '../sim/checkers/index.ts';
import type { FaultName } from '../sim/faults/index.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import { shellWord } from '../drivers/registry/offer.ts';
import type { CommandIo } from './command.ts';
import { withInterrupt } from './interrupt.ts';
import { progress } from './progress.ts';

export interface SweepOptions {
  /** What `--driver` said (a name, or the module path): workers resolve it again. */
  readonly driver: string;
  /** The driver's name, for the output. */
  readonly label?: string;
  readonly faults: readonly FaultName[];
  readonly first: number;
  readonly seeds: number;
  readonly steps: number;
  readonly workers: number;
  readonly shape?: WorldShape;
  readonly invariants?: readonly InvariantId[];
  readonly json?: boolean;
}

export interface SweepFinding {
  readonly invariant: string;
  readonly seed: number;
  readonly message: string;
}

export interface SweepResult {
  readonly violated: boolean;
  readonly violation: SweepFinding | null;
  readonly liveness: SweepFinding | null;
  readonly interrupted: boolean;
  readonly steps: number;
}

function chunks(options: SweepOptions): CellSpec[] {
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
  return specs;
}

const lowest = (findings: SweepFinding[]) => findings.sort((a, b) => a.seed - b.seed)[0] ?? null;

function findings(cells: readonly CellResult[]) {
  const violation = lowest(cells.filter((cell) => cell.verdict === 'violated')
    .map((cell) => ({ invariant: cell.invariant!, seed: cell.seed!, message: cell.message! })));
  // A chunk that found a safety violation stopped there; its liveness finding is of the seeds
  // before it, as a single run would have reported had the violation not come first.
  // A new finding at any seed before a known one at a lower seed (the known leak never masks).
  const all = cells.flatMap((cell) => (cell.liveness ? [cell.liveness] : []));
  const liveness = lowest(all.filter((found) => !isKnown(found.invariant))) ?? lowest(all);
  return { violation, liveness };
}

export async function sweep(options: SweepOptions, io: CommandIo): Promise<SweepResult> {
  const specs = chunks(options);
  const label = options.label ?? options.driver;
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
  const cells = results.filter((cell): cell is CellResult => cell !== undefined);
  const interrupted = abort.signal.aborted;
  const steps = cells.reduce((sum, cell) => sum + cell.steps, 0);
  const { violation, liveness } = findings(cells);
  const last = options.first + options.seeds - 1;
  const rerun = (seed: number) => `lockchart sim --driver ${shellWord(options.driver)} --seed ` +
    `${seed} --steps ${options.steps}` +
    `${options.faults.length ? ` --faults ${options.faults.join(',')}` : ''}` +
    `${options.shape ? ` --shape ${options.shape.hosts}x${options.shape.vms}x${options.shape.disks}` : ''}` +
    `${options.invariants ? ` --invariants ${options.invariants.join(',')}` : ''} --trace FILE`;
  const done = specs.flatMap((spec, i) => (results[i] ? [[spec.firstSeed,
    spec.firstSeed + spec.seeds - 1] as const] : []));
  if (options.json) {
    io.out(JSON.stringify({ driver: label, faults: options.faults, first: options.first, last,
      seeds: options.seeds, steps, workers: options.workers, interrupted,
      ...(interrupted ? { done: done.map(([a, b]) => ({ first: a, last: b })) } : {}),
      violation: violation && { ...violation, rerun: rerun(violation.seed) },
      liveness: liveness && { ...liveness, rerun: rerun(liveness.seed) } }));
  } else {
    io.out(`swept seeds ${options.first}…${last} of ${label} ` +
      `(faults ${options.faults.join(',') || 'none'}) on ${options.workers} worker thread(s): ` +
      `${steps.toLocaleString('en-US')} steps`);
    if (interrupted) {
      const seeds = done.reduce((sum, [a, b]) => sum + b - a + 1, 0);
      io.out(`  INTERRUPTED (SIGINT): ${seeds} of ${options.seeds} seeds done` +
        (done.length > 0 ? ` (${done.map(([a, b]) => (a === b ? `${a}` : `${a}…${b}`)).join(', ')})` : '') +
        '; a sweep keeps no traces: re-run a seed alone with --trace FILE');
    }
    if (violation) {
      io.out(`  VIOLATED ${violation.invariant} at seed ${violation.seed}: ${violation.message}`);
      io.out(`  re-run it alone with its trace: ${rerun(violation.seed)}`);
    }
    if (liveness) {
      io.out(`  LIVENESS ${liveness.invariant} at seed ${liveness.seed}: ${liveness.message}`);
      io.out(`  re-run it alone with its trace: ${rerun(liveness.seed)}`);
    }
    if (!violation && !liveness && !interrupted) io.out('  safe: no seed broke an invariant');
  }
  return { violated: violation !== null, violation, liveness, interrupted, steps };
}
