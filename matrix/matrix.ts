/**
 * The safety matrix: every driver × (no fault, and each fault class alone) → safe, with the
 * seeds and steps explored, or violated, with the invariant, the shrunk counterexample's length
 * and the command that replays it. `--shard i/n` runs every n-th cell so CI matrices and
 * Kubernetes Indexed Jobs can split the work; `merge` joins the JSON reports again.
 */
import { FAULT_NAMES } from '../sim/faults/index.ts';
import type { Design } from '../sim/world/design.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { CellResult, CellSpec, Column } from './cell.ts';
import type { ExhaustiveSpec } from './exhaustive.ts';
import { runCells } from './pool.ts';
import { runRealCell } from './real-cell.ts';

export const ALL_COLUMNS: readonly Column[] = ['none', ...FAULT_NAMES];

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** One row of the matrix: a driver as the user named it, and how its cells run. */
export interface MatrixDriver {
  /** What resolves it again in a worker: a built-in name, or the module path the user gave. */
  readonly spec: string;
  /** Its name in the matrix (a module's driver name; `NAME (real)` for its real row). */
  readonly name: string;
  /** Real mode (a LockDriver): real processes, files, daemons. */
  readonly real: boolean;
  /** What a replay command needs to reload it (` --driver PATH` for a module, else ''). */
  readonly replayFlag: string;
}

export interface MatrixOptions {
  readonly drivers: readonly MatrixDriver[];
  readonly columns: readonly Column[];
  readonly seeds: number;
  readonly steps: number;
  readonly firstSeed: number;
  readonly shape?: WorldShape;
  /** The lock-manager design every cell runs (default libvirt); rows are named `DESIGN:DRIVER`. */
  readonly design?: Design;
  readonly traceDir: string | null;
  readonly shard?: Shard;
  readonly workers?: number;
  /** Explore every cell exhaustively within these bounds instead of running seeds. */
  readonly exhaustive?: ExhaustiveSpec;
  /** Stops the run (Ctrl-C): cells not finished are left out of the report. */
  readonly signal?: AbortSignal;
}

/**
 * What a run was asked to do, apart from its shard: shards of one matrix have equal parameters,
 * and `merge` puts their cells back in this order.
 */
export interface MatrixParams {
  readonly drivers: readonly string[];
  readonly columns: readonly Column[];
  readonly seeds: number;
  readonly steps: number;
  readonly firstSeed: number;
  readonly shape: WorldShape | null;
  readonly real: RealBudget | null;
  readonly exhaustive: ExhaustiveSpec | null;
  /** Another design than libvirt's (absent: libvirt). */
  readonly design?: Design;
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
  /** Everything the run was asked to do but its shard (see `MatrixParams`). */
  readonly params: MatrixParams;
  /** Stopped by Ctrl-C: `cells` holds the finished ones only. */
  readonly interrupted?: true;
}

export function matrixParams(options: MatrixOptions & { readonly real?: RealBudget }): MatrixParams {
  return {
    drivers: options.drivers.map((driver) => rowName(options, driver.name)),
    columns: options.columns,
    seeds: options.seeds,
    steps: options.steps,
    firstSeed: options.firstSeed,
    shape: options.shape ?? null,
    real: options.real ?? null,
    exhaustive: options.exhaustive ?? null,
    ...(options.design && options.design !== 'libvirt' ? { design: options.design } : {}),
  };
}

/** Every cell of the unsharded matrix, in its order: drivers down, columns across. */
export function cellKeys(params: Pick<MatrixParams, 'drivers' | 'columns'>): string[] {
  return params.drivers.flatMap((driver) => params.columns.map((fault) => `${driver}|${fault}`));
}

export function matrixSpecs(options: MatrixOptions): CellSpec[] {
  const specs: CellSpec[] = [];
  for (const driver of options.drivers) {
    for (const fault of options.columns) {
      specs.push({
        driver: driver.spec, label: rowName(options, driver.name), replayFlag: driver.replayFlag,
        ...(options.design && options.design !== 'libvirt' ? { design: options.design } : {}),
        ...(driver.real ? { real: true } : {}),
        fault, seeds: options.seeds, steps: options.steps, firstSeed: options.firstSeed,
        traceDir: options.traceDir, ...(options.shape ? { shape: options.shape } : {}),
        ...(options.exhaustive ? { exhaustive: options.exhaustive } : {}),
      });
    }
  }
  const shard = options.shard;
  return shard ? specs.filter((_, i) => i % shard.count === shard.index - 1) : specs;
}

/** A row's name: the driver's, prefixed by the design when it is not libvirt's (`rfc:model`). */
export function rowName(options: Pick<MatrixOptions, 'design'>, driver: string): string {
  return options.design && options.design !== 'libvirt' ? `${options.design}:${driver}` : driver;
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
  const simulated = specs.filter((spec) => !spec.real);
  const real = specs.filter((spec) => spec.real).map((spec) => ({ ...spec, ...(options.real ?? {}) }));
  const signal = options.signal;
  let done = 0;
  const report = (result: CellResult) => onResult?.(result, ++done, specs.length);
  const [pure, realCells] = await Promise.all([
    runCells(simulated, { ...(options.workers !== undefined ? { workers: options.workers } : {}),
      onResult: report, ...(signal ? { signal } : {}) }),
    (async () => {
      const results: CellResult[] = [];
      for (const spec of real) {
        if (signal?.aborted) break;
        const result = await runRealCell(spec, signal);
        if (!result) break;
        report(result);
        results.push(result);
      }
      return results;
    })(),
  ]);
  const finished = [...pure, ...realCells].filter((cell): cell is CellResult => cell !== undefined);
  const byKey = new Map(finished.map((cell) => [`${cell.driver}|${cell.fault}`, cell]));
  const cells = specs.flatMap((spec) => byKey.get(`${spec.label ?? spec.driver}|${spec.fault}`) ?? []);
  return {
    lockchart: 'matrix',
    seeds: options.seeds,
    steps: options.steps,
    firstSeed: options.firstSeed,
    shard: options.shard ?? null,
    cells,
    ms: Math.round(performance.now() - started),
    ...(options.exhaustive ? { exhaustive: options.exhaustive } : {}),
    params: matrixParams(options),
    ...(signal?.aborted ? { interrupted: true as const } : {}),
  };
}
