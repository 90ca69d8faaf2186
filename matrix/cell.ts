/**
 * One cell of the safety matrix: one driver under one fault class (or none). Seeds run one after
 * another until a safety violation or the budget; a violation is shrunk and its minimal trace
 * written, ready to replay. Liveness findings (leaked grants) are reported beside a safe verdict.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileSafe, shellWord } from '../drivers/registry/offer.ts';
import { INVARIANT_IDS, preferNew, type InvariantId, type Violation } from '../sim/checkers/index.ts';
import { resolveSimDriver, type SimDriver } from '../sim/resolve-driver.ts';
import { faultClassOf, type FaultName } from '../sim/faults/index.ts';
import { runRandom } from '../sim/run/random.ts';
import { replayLenient } from '../sim/run/replay.ts';
import { shrinkSteps } from '../sim/run/shrink.ts';
import type { TraceHeader } from '../sim/trace/format.ts';
import { FileSink, MemorySink } from '../sim/trace/writer.ts';
import type { Design } from '../sim/world/design.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { Step } from '../sim/steps.ts';
import { runExhaustiveCell, type ExhaustiveSpec } from './exhaustive.ts';

export type Column = 'none' | FaultName;

export interface CellSpec {
  /** A built-in driver's name, or the path of a module the user named (a worker loads it). */
  readonly driver: string;
  /** The driver's name in results and trace file names (default: `driver`). */
  readonly label?: string;
  /** What a replay command needs to reload the driver: ` --driver PATH` for a module. */
  readonly replayFlag?: string;
  /** A real cell (a LockDriver in real mode), run by `real-cell.ts`. */
  readonly real?: boolean;
  readonly fault: Column;
  readonly seeds: number;
  readonly steps: number;
  readonly firstSeed: number;
  readonly shape?: WorldShape;
  /** The lock-manager design (default libvirt). */
  readonly design?: Design;
  /** Where shrunk traces go; null: do not write traces. */
  readonly traceDir: string | null;
  /** Several fault classes at once (a sweep); overrides the column's single class. */
  readonly faults?: readonly FaultName[];
  /** Shrink a violation (default) or just report the violating seed. */
  readonly shrink?: boolean;
  /** Only these invariants are checked (default: all that apply). */
  readonly invariants?: readonly InvariantId[];
  /** Explore the cell exhaustively within these bounds instead of running seeds. */
  readonly exhaustive?: ExhaustiveSpec;
}

export interface CellFinding {
  readonly invariant: Violation['invariant'];
  readonly message: string;
  readonly seed: number;
}

export interface CellResult {
  readonly driver: string;
  readonly fault: Column;
  /**
   * `n/a`: a real driver cannot make this fault class real, or the class strikes only a lock
   * service on the virtual clock and this driver's has none.
   */
  readonly verdict: 'safe' | 'violated' | 'n/a';
  /** Run in real mode (real processes, files, daemons). */
  readonly real?: true;
  /** Real mode: where reality did not do what the model allowed. */
  readonly findings?: readonly string[];
  readonly invariant?: Violation['invariant'];
  readonly message?: string;
  /** The violating seed. */
  readonly seed?: number;
  /** Steps of the shrunk counterexample. */
  readonly shrunk?: number;
  /** Faults in the shrunk counterexample. */
  readonly shrunkFaults?: number;
  readonly trace?: string;
  readonly replay?: string;
  /** Seeds run and steps simulated in this cell. */
  readonly seeds: number;
  readonly steps: number;
  /** Invariants this row does not judge, and why (`ModelOffer.unjudged`). */
  readonly unjudged?: string;
  /** A liveness finding (safe cells only): grants leaked after the heal phase. */
  readonly liveness?: CellFinding;
  /** Exhaustive cells: distinct states explored, and whether every bounded behaviour was. */
  readonly states?: number;
  readonly exhausted?: boolean;
  readonly ms: number;
}

/** A cell's driver as the matrix shows it. */
export function cellName(spec: CellSpec): string {
  return spec.label ?? spec.driver;
}

/** The command that replays a cell's trace, with the `--driver` its driver needs. */
export function replayCommand(spec: CellSpec, trace: string): string {
  return `lockchart replay ${shellWord(trace)}${spec.replayFlag ?? ''}`;
}

export async function runCell(spec: CellSpec): Promise<CellResult> {
  const driver = await resolveSimDriver(spec.driver);
  const started = performance.now();
  const clockless = spec.fault !== 'none' && faultClassOf(spec.fault).needsClock && !driver.model.timed;
  if (clockless) {
    return { driver: cellName(spec), fault: spec.fault, verdict: 'n/a', seeds: 0, steps: 0,
      message: `${spec.fault} strikes a lock service on the virtual clock; ` +
        `${driver.name} has none`, ms: 0 };
  }
  if (spec.exhaustive) return runExhaustiveCell(spec, spec.exhaustive);
  const faults = spec.faults ?? (spec.fault === 'none' ? [] : [spec.fault]);
  const invariants = spec.invariants ?? (driver.unjudged
    ? INVARIANT_IDS.filter((id) => !driver.unjudged!.invariants.includes(id)) : undefined);
  const unjudged = !spec.invariants && driver.unjudged ? { unjudged: driver.unjudged.why } : {};
  let steps = 0;
  let liveness: CellFinding | undefined;
  for (let k = 0; k < spec.seeds; k++) {
    const seed = spec.firstSeed + k;
    const sink = new MemorySink();
    const run = runRandom({ driver, seed, steps: spec.steps, faults, sink,
      ...(spec.design ? { design: spec.design } : {}),
      ...(spec.shape ? { shape: spec.shape } : {}),
      ...(invariants ? { invariants } : {}) });
    steps += run.steps;
    // A new finding replaces a known one (the known leak never masks another).
    if (run.liveness) {
      liveness = preferNew(liveness, { invariant: run.liveness.invariant, message: run.liveness.message, seed });
    }
    if (run.violation && spec.shrink === false) {
      return { driver: cellName(spec), fault: spec.fault, verdict: 'violated',
        invariant: run.violation.invariant, message: run.violation.message, seed, seeds: k + 1, steps,
        ...(liveness ? { liveness } : {}), ms: Math.round(performance.now() - started) };
    }
    if (run.violation) {
      return violated(spec, driver, sink, run.violation, seed, k + 1, steps, started);
    }
  }
  return {
    driver: cellName(spec), fault: spec.fault, verdict: 'safe', seeds: spec.seeds, steps,
    ...(liveness ? { liveness } : {}), ...unjudged, ms: Math.round(performance.now() - started),
  };
}

function violated(
  spec: CellSpec,
  driver: SimDriver,
  sink: MemorySink,
  violation: Violation,
  seed: number,
  seeds: number,
  steps: number,
  started: number,
): CellResult {
  const header = sink.records[0] as TraceHeader;
  const recorded = sink.records.flatMap((r) => (r.type === 'step' ? [r.step] : [])) as Step[];
  const shrunk = shrinkSteps(header, driver, recorded, violation);
  let trace: string | undefined;
  if (spec.traceDir !== null) {
    mkdirSync(spec.traceDir, { recursive: true });
    trace = join(spec.traceDir, `${fileSafe(cellName(spec))}-${spec.fault}.trace.jsonl`);
    replayLenient({ ...header, origin: 'shrink' }, driver, shrunk.steps, { sink: new FileSink(trace) });
  }
  return {
    driver: cellName(spec),
    fault: spec.fault,
    verdict: 'violated',
    invariant: shrunk.violation.invariant,
    message: shrunk.violation.message,
    seed,
    shrunk: shrunk.steps.length,
    shrunkFaults: shrunk.faults,
    ...(trace ? { trace, replay: replayCommand(spec, trace) } : {}),
    seeds,
    steps,
    ms: Math.round(performance.now() - started),
  };
}
