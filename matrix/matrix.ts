/**
 * The safety matrix: every driver × (no fault, and each fault class alone) → safe, with the
 * seeds and steps explored, or violated, with the invariant, the shrunk counterexample's length
 * and the command that replays it. `--shard i/n` runs every n-th cell so CI matrices and
 * Kubernetes Indexed Jobs can split the work; `merge` joins the JSON reports again.
 */
import { FAULT_NAMES } from '../sim/faults/index.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { CellResult, CellSpec, Column } from './cell.ts';
import type { ExhaustiveSpec } from './exhaustive.ts';
import { realDriverNames } from '../real/backends.ts';
import { runCells } from './pool.ts';
import { runRealCell } from './real-cell.ts';

export const ALL_COLUMNS: readonly Column[] = ['none', ...FAULT_NAMES];

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export interface MatrixOptions {
  readonly drivers: readonly string[];
  readonly columns: readonly Column[];
  readonly seeds: number;
  readonly steps: number;
  readonly firstSeed: number;
  readonly shape?: WorldShape;
  readonly traceDir: string | null;
  readonly shard?: Shard;
  readonly workers?: number;
  /** Explore every cell exhaustively within these bounds instead of running seeds. */
  readonly exhaustive?: ExhaustiveSpec;
}

export interface MatrixReport {
  readonly lockchart: 'matrix';
  readonly seeds: number;
  readonly steps: number;
  readonly firstSeed: number;
  readonly shard: Shard | null;
  readonly cells: readonly CellResult[];
  readonly ms: number;
  /** Set when the cells were explored exhaustively: their bounds. */
  readonly exhaustive?: ExhaustiveSpec;
}

export function matrixSpecs(options: MatrixOptions): CellSpec[] {
  const specs: CellSpec[] = [];
  for (const driver of options.drivers) {
    for (const fault of options.columns) {
      specs.push({
        driver, fault, seeds: options.seeds, steps: options.steps, firstSeed: options.firstSeed,
        traceDir: options.traceDir, ...(options.shape ? { shape: options.shape } : {}),
        ...(options.exhaustive ? { exhaustive: options.exhaustive } : {}),
      });
    }
  }
  const shard = options.shard;
  return shard ? specs.filter((_, i) => i % shard.count === shard.index - 1) : specs;
}

export function parseShard(text: string): Shard | null {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) return null;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return index >= 1 && count >= 1 && index <= count ? { index, count } : null;
}

export interface RealBudget {
  readonly seeds: number;
  readonly steps: number;
}

/**
 * Runs the cells: simulated ones on the worker pool, real ones (real drivers, real mode, with
 * their own smaller budget) one after another in this thread meanwhile.
 */
export async function runMatrix(
  options: MatrixOptions & { readonly real?: RealBudget },
  onResult?: (result: CellResult, done: number, total: number) => void,
): Promise<MatrixReport> {
  const started = performance.now();
  const specs = matrixSpecs(options);
  const isReal = (spec: CellSpec) => realDriverNames().includes(spec.driver);
  const simulated = specs.filter((spec) => !isReal(spec));
  const real = specs.filter(isReal).map((spec) => ({ ...spec, ...(options.real ?? {}) }));
  let done = 0;
  const report = (result: CellResult) => onResult?.(result, ++done, specs.length);
  const [pure, realCells] = await Promise.all([
    runCells(simulated, { ...(options.workers !== undefined ? { workers: options.workers } : {}),
      onResult: report }),
    (async () => {
      const results: CellResult[] = [];
      for (const spec of real) {
        const result = await runRealCell(spec);
        report(result);
        results.push(result);
      }
      return results;
    })(),
  ]);
  const byKey = new Map([...pure, ...realCells].map((cell) => [`${cell.driver}|${cell.fault}`, cell]));
  const cells = specs.map((spec) => byKey.get(`${spec.driver}|${spec.fault}`)!);
  return {
    lockchart: 'matrix',
    seeds: options.seeds,
    steps: options.steps,
    firstSeed: options.firstSeed,
    shard: options.shard ?? null,
    cells,
    ms: Math.round(performance.now() - started),
    ...(options.exhaustive ? { exhaustive: options.exhaustive } : {}),
  };
}
