/**
 * Issues 3 and 16: simulated steps per second in random mode with the model driver on one core
 * (issue 16: at least 100,000 with the richer workload: layouts drawn per seed), and the wall
 * time of the default `lockchart matrix` (the main job). Next to each steps/s figure, the same
 * run per CPU-second the process used (process.cpuUsage, all its threads, GC helpers included):
 * less sensitive to other work sharing the cores, so runs on a busy machine can be compared.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { runRandom } from '../sim/run/random.ts';
import { atLeast, atMost, type BenchFigure } from './harness.ts';

/** Steps per second of wall time, and per CPU-second. */
interface StepRate {
  readonly wall: number;
  readonly cpu: number;
}

async function stepsPerSecond(faults: string[]): Promise<StepRate> {
  const driver = await resolveSimDriver('model');
  for (let seed = 1000; seed < 1010; seed++) runRandom({ driver, seed, steps: 2000, faults: faults as never });
  let steps = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let seed = 1;
  while (performance.now() - started < 4000) {
    steps += runRandom({ driver, seed: seed++, steps: 2000, faults: faults as never }).steps;
  }
  const cpu = process.cpuUsage(cpuStarted);
  return { wall: steps / ((performance.now() - started) / 1000),
    cpu: steps / ((cpu.user + cpu.system) / 1e6) };
}

/** The steps/s figure held to the target, and the per-CPU-second one beside it (no target). */
function stepFigures(label: string, rate: StepRate): BenchFigure[] {
  return [
    atLeast(`random mode, model driver, ${label} (steps/s, one core)`, rate.wall, 'steps/s', 100_000),
    { name: `random mode, model driver, ${label} (per CPU-second)`, value: rate.cpu, unit: 'steps/CPU-s' },
  ];
}

function matrixSeconds(): number {
  const dir = mkdtempSync(join(tmpdir(), 'lockchart-bench-matrix-'));
  try {
    const started = performance.now();
    const run = spawnSync(process.execPath, ['bin/lockchart.mjs', 'matrix', '--traces', dir],
      { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`matrix failed: ${run.stderr}`);
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<BenchFigure[]> {
  return [
    ...stepFigures('no faults', await stepsPerSecond([])),
    ...stepFigures('daemon-reexec', await stepsPerSecond(['daemon-reexec'])),
    atMost('default lockchart matrix (wall time)', matrixSeconds(), 's', 60),
  ];
}
