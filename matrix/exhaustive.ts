/**
 * An exhaustive matrix cell: one driver under one fault class, explored to exhaustion on a small
 * world within a fault budget and a workload budget (`sim/explorer`). Safe cells carry their
 * exact state count; violated cells the shortest counterexample, written as a replayable trace.
 * Same `CellResult` shape as a random cell, so the formatter, shards and merge take both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { writeCounterexample } from '../sim/explorer/counterexample.ts';
import { Explorer } from '../sim/explorer/explore.ts';
import { exploreParallel } from '../sim/explorer/parallel/coordinator.ts';
import { isFault } from '../sim/steps.ts';
import { FileSink } from '../sim/trace/writer.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import { cellName, replayCommand, type CellResult, type CellSpec } from './cell.ts';
import { fileSafe } from '../drivers/registry/offer.ts';

/** The bounds of an exhaustive matrix. */
export interface ExhaustiveSpec {
  readonly shape: WorldShape;
  readonly faultBudget: number;
  readonly workload: number;
  /** Shard each cell's states over this many worker threads (default 1: the cell's thread). */
  readonly shards?: number;
}

/** 2 hosts × 2 VMs × 2 disks, two faults, four workload steps: every cell in seconds. */
export const EXHAUSTIVE_DEFAULTS: ExhaustiveSpec = {
  shape: { hosts: 2, vms: 2, disks: 2 },
  faultBudget: 2,
  workload: 4,
};

/** Explores one cell to exhaustion within `bounds`; a violation's trace goes to `traceDir`. */
export async function runExhaustiveCell(spec: CellSpec, bounds: ExhaustiveSpec):
  Promise<CellResult> {
  const driver = await resolveSimDriver(spec.driver);
  const started = performance.now();
  const faults = spec.fault === 'none' ? [] : [spec.fault];
  const options = { driver, shape: bounds.shape, faults, coverage: false,
    ...(spec.design ? { design: spec.design } : {}),
    faultBudget: faults.length > 0 ? bounds.faultBudget : 0, workload: bounds.workload };
  const explorer = new Explorer(options);
  const shards = bounds.shards ?? 1;
  const result = shards > 1
    ? await exploreParallel({ ...options, workers: shards, driverSpec: spec.driver })
    : explorer.run();
  const base = { driver: cellName(spec), fault: spec.fault, seeds: 0, steps: result.transitions,
    states: result.states, exhausted: result.exhausted };
  const found = result.violation;
  if (!found) {
    const liveness = result.liveness?.violation;
    return { ...base, verdict: 'safe', ms: Math.round(performance.now() - started),
      ...(liveness
        ? { liveness: { invariant: liveness.invariant, message: liveness.message, seed: 0 } }
        : {}) };
  }
  let trace: string | undefined;
  if (spec.traceDir !== null) {
    mkdirSync(spec.traceDir, { recursive: true });
    trace = join(spec.traceDir, `${fileSafe(cellName(spec))}-${spec.fault}.explore.trace.jsonl`);
    writeCounterexample(explorer.ctx, { driver, shape: bounds.shape, faults,
      definitions: result.definitions }, found.steps, 'safety', new FileSink(trace));
  }
  return {
    ...base,
    verdict: 'violated',
    invariant: found.violation.invariant,
    message: found.violation.message,
    shrunk: found.steps.length,
    shrunkFaults: found.steps.filter(isFault).length,
    ...(trace ? { trace, replay: replayCommand(spec, trace) } : {}),
    ms: Math.round(performance.now() - started),
  };
}
