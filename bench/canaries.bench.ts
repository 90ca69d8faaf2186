/**
 * `npm run bench canaries`: issue 16's figures for the planted bugs. Each canary runs as its
 * `lockchart matrix` cell would by default (its fault column, 40 seeds × 2000 steps from seed 1):
 * the share caught by the invariant it names, the median time to detection (the cell's wall
 * time up to the violating seed, shrinking excluded), and the longest shrunk counterexample.
 * The control (`model`) runs the same columns and must stay clean of safety violations; its
 * liveness findings other than the known one are printed (they are the model's own, e.g. a grant
 * made for a process whose connection had dropped, which outlives it).
 */
import { runCell, type CellResult, type Column } from '../matrix/cell.ts';
import { isKnown } from '../sim/checkers/index.ts';
import { CANARIES } from '../sim/canaries/canaries.ts';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { runRandom } from '../sim/run/random.ts';
import { shrinkSteps } from '../sim/run/shrink.ts';
import { MemorySink } from '../sim/trace/writer.ts';
import type { TraceHeader } from '../sim/trace/format.ts';
import type { Step } from '../sim/steps.ts';
import type { FaultName } from '../sim/faults/index.ts';
import { atLeast, atMost, type BenchFigure } from './harness.ts';

const SEEDS = 40;
const STEPS = 2000;

const cell = (driver: string, fault: Column, shrink: boolean) =>
  runCell({ driver, fault, seeds: SEEDS, steps: STEPS, firstSeed: 1, traceDir: null, shrink });

/** A liveness finding's trace, shrunk as `lockchart shrink` would. */
async function shrunkLiveness(driver: string, fault: Column, seed: number, invariant: string) {
  const sim = await resolveSimDriver(driver);
  const sink = new MemorySink();
  const faults = (fault === 'none' ? [] : [fault]) as FaultName[];
  runRandom({ driver: sim, seed, steps: STEPS, faults, sink });
  const header = sink.records[0] as TraceHeader;
  const steps = sink.records.flatMap((r) => (r.type === 'step' ? [r.step] : [])) as Step[];
  return shrinkSteps(header, sim, steps, { invariant: invariant as never, kind: 'liveness' }).steps.length;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

export default async function bench(): Promise<BenchFigure[]> {
  const rows: BenchFigure[] = [];
  const times: number[] = [];
  const lengths: number[] = [];
  let caught = 0;
  for (const canary of CANARIES) {
    const fault = (canary.faults[0] ?? 'none') as Column;
    const found: CellResult = await cell(canary.name, fault, false);
    const finding = found.verdict === 'violated' ? found.invariant : found.liveness?.invariant;
    const ok = finding === canary.caughtBy;
    let length = NaN;
    if (ok) {
      caught++;
      times.push(found.ms);
      length = found.verdict === 'violated' ? (await cell(canary.name, fault, true)).shrunk!
        : await shrunkLiveness(canary.name, fault, found.liveness!.seed, canary.caughtBy);
      lengths.push(length);
    }
    rows.push({ name: `  ${canary.name} × ${fault}: ${ok ? `${canary.caughtBy} at seed ${found.seed ?? found.liveness!.seed}, ` +
      `shrunk to ${length} steps, ms to detection` : `NOT caught (${finding ?? 'clean'})`}`,
    value: ok ? found.ms : 0, unit: 'ms' });
  }
  let dirty = 0;
  const control: BenchFigure[] = [];
  for (const fault of new Set(CANARIES.map((c) => (c.faults[0] ?? 'none') as Column))) {
    const found = await cell('model', fault, false);
    if (found.verdict === 'violated') dirty++;
    const live = found.liveness;
    control.push({ name: `  control model × ${fault}: ${found.verdict === 'violated' ? `VIOLATED ${found.invariant}`
      : 'safe'}${live ? `, liveness ${live.invariant}${isKnown(live.invariant) ? ' (known)' : ' (NEW)'} at seed ` +
      `${live.seed}: ${live.message.slice(0, 60)}` : ''}`, value: found.seeds, unit: 'seeds' });
  }
  return [
    atLeast(`canaries caught by their matrix cell (${caught} of ${CANARIES.length})`,
      caught / CANARIES.length, 'share', 1),
    atLeast('canaries', CANARIES.length, 'canaries', 20),
    { name: 'median time to detection (matrix cell, up to the violating seed)', value: median(times),
      unit: 'ms' },
    atMost('longest shrunk counterexample', Math.max(...lengths), 'steps', 15),
    atMost('control (model) cells with a safety violation', dirty, 'cells', 0),
    ...control,
    ...rows,
  ];
}
