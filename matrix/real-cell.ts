/**
 * A matrix cell for a real driver: the simulator's steps in real mode (real processes, files and
 * daemons), a few seeds with a small step budget. Its verdict is the model's invariants over the
 * run, as for any cell; what real mode adds are findings — where reality did not do what the
 * model allowed — reported beside the verdict. Real cells run in the main thread: the kernel-lock
 * addons do not run in worker threads.
 */
import { preferNew } from '../sim/checkers/index.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileSafe } from '../drivers/registry/offer.ts';
import { realBackend } from '../real/backends.ts';
import { RealModeError, runReal } from '../real/runner.ts';
import { FileSink } from '../sim/trace/writer.ts';
import { cellName, replayCommand, type CellFinding, type CellResult, type CellSpec } from './cell.ts';

/** The trace file of a real cell's seed. */
export function realTracePath(spec: CellSpec, seed: number): string | undefined {
  return spec.traceDir === null ? undefined
    : join(spec.traceDir, `${fileSafe(cellName(spec))}-${spec.fault}-seed${seed}.trace.jsonl`);
}

/** Runs the cell; undefined when `signal` stopped it before it finished. */
export async function runRealCell(spec: CellSpec, signal?: AbortSignal):
  Promise<CellResult | undefined> {
  const started = performance.now();
  const base = { driver: cellName(spec), fault: spec.fault, real: true as const };
  const backend = await realBackend(spec.driver);
  const faults = spec.fault === 'none' ? [] : [spec.fault];
  if (faults.some((fault) => !backend.faults.has(fault))) {
    return { ...base, verdict: 'n/a', seeds: 0, steps: 0,
      message: `${base.driver} cannot make ${spec.fault} real`, ms: 0 };
  }
  let steps = 0;
  let liveness: CellFinding | undefined;
  for (let k = 0; k < spec.seeds; k++) {
    const seed = spec.firstSeed + k;
    const trace = realTracePath(spec, seed);
    if (trace) mkdirSync(spec.traceDir!, { recursive: true });
    const run = await runReal({
      backend: k === 0 ? backend : await realBackend(spec.driver),
      source: { kind: 'random', seed, steps: spec.steps, faults,
        ...(spec.shape ? { shape: spec.shape } : {}) },
      ...(trace ? { sink: new FileSink(trace) } : {}),
      ...(signal ? { signal } : {}),
    }).catch((error: unknown) => {
      if (error instanceof RealModeError) throw error;
      throw new Error(`real mode ${base.driver} × ${spec.fault}, seed ${seed}: ${String(error)}`);
    });
    if (signal?.aborted) return undefined;
    steps += run.steps;
    // A new finding replaces a known one (the known leak never masks another).
    if (run.liveness) {
      liveness = preferNew(liveness, { invariant: run.liveness.invariant, message: run.liveness.message, seed });
    }
    const verdict = run.violation ? 'violated' : 'safe';
    if (run.violation || run.findings.length > 0) {
      return {
        ...base, verdict, seeds: k + 1, steps, seed,
        ...(run.violation ? { invariant: run.violation.invariant, message: run.violation.message } : {}),
        ...(run.findings.length > 0 ? { findings: run.findings.map((f) => `step ${f.step} [${f.kind}] ${f.message}`) } : {}),
        ...(trace ? { trace, replay: replayCommand(spec, trace) } : {}),
        ms: Math.round(performance.now() - started),
      };
    }
  }
  return { ...base, verdict: 'safe', seeds: spec.seeds, steps, ...(liveness ? { liveness } : {}),
    ms: Math.round(performance.now() - started) };
}
