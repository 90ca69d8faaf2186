/**
 * A matrix cell for a real driver: the simulator's steps in real mode (real processes, files and
 * daemons), a few seeds with a small step budget. Its verdict is the model's invariants over the
 * run, as for any cell; what real mode adds are findings — where reality did not do what the
 * model allowed — reported beside the verdict. Real cells run in the main thread: the kernel-lock
 * addons do not run in worker threads.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { realBackend } from '../real/backends.ts';
import { RealModeError, runReal } from '../real/runner.ts';
import { FileSink } from '../sim/trace/writer.ts';
import type { CellFinding, CellResult, CellSpec } from './cell.ts';

export async function runRealCell(spec: CellSpec): Promise<CellResult> {
  const started = performance.now();
  const base = { driver: spec.driver, fault: spec.fault, real: true as const };
  const backend = await realBackend(spec.driver);
  const faults = spec.fault === 'none' ? [] : [spec.fault];
  if (faults.some((fault) => !backend.faults.has(fault))) {
    return { ...base, verdict: 'n/a', seeds: 0, steps: 0,
      message: `${spec.driver} cannot make ${spec.fault} real`, ms: 0 };
  }
  let steps = 0;
  let liveness: CellFinding | undefined;
  for (let k = 0; k < spec.seeds; k++) {
    const seed = spec.firstSeed + k;
    const trace = spec.traceDir === null ? undefined
      : join(spec.traceDir, `${spec.driver}-${spec.fault}-seed${seed}.trace.jsonl`);
    if (trace) mkdirSync(spec.traceDir!, { recursive: true });
    const run = await runReal({
      backend: k === 0 ? backend : await realBackend(spec.driver),
      source: { kind: 'random', seed, steps: spec.steps, faults,
        ...(spec.shape ? { shape: spec.shape } : {}) },
      ...(trace ? { sink: new FileSink(trace) } : {}),
    }).catch((error: unknown) => {
      if (error instanceof RealModeError) throw error;
      throw new Error(`real mode ${spec.driver} × ${spec.fault}, seed ${seed}: ${String(error)}`);
    });
    steps += run.steps;
    if (run.liveness && !liveness) {
      liveness = { invariant: run.liveness.invariant, message: run.liveness.message, seed };
    }
    const verdict = run.violation ? 'violated' : 'safe';
    if (run.violation || run.findings.length > 0) {
      return {
        ...base, verdict, seeds: k + 1, steps, seed,
        ...(run.violation ? { invariant: run.violation.invariant, message: run.violation.message } : {}),
        ...(run.findings.length > 0 ? { findings: run.findings.map((f) => `step ${f.step} [${f.kind}] ${f.message}`) } : {}),
        ...(trace ? { trace, replay: `lockchart replay ${trace}` } : {}),
        ms: Math.round(performance.now() - started),
      };
    }
  }
  return { ...base, verdict: 'safe', seeds: spec.seeds, steps, ...(liveness ? { liveness } : {}),
    ms: Math.round(performance.now() - started) };
}
