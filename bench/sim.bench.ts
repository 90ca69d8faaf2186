/**
 * Issues 3 and 16: simulated steps per second in random mode with the model driver on one core
 * (issue 16: at least 100,000 with the richer workload: layouts drawn per seed), and the wall
 * time of the default `lockchart matrix` (the main job).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { runRandom } from '../sim/run/random.ts';
import { atLeast, atMost, type BenchFigure } from './harness.ts';

async function stepsPerSecond(faults: string[]): Promise<number> {
  const driver = await resolveSimDriver('model');
  for (let seed = 1000; seed < 1010; seed++) runRandom({ driver, seed, steps: 2000, faults: faults as never });
  let steps = 0;
  const started = performance.now();
  let seed = 1;
  while (performance.now() - started < 4000) {
    steps += runRandom({ driver, seed: seed++, steps: 2000, faults: faults as never }).steps;
  }
  return steps / ((performance.now() - started) / 1000);
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
    atLeast('random mode, model driver, no faults (steps/s, one core)', await stepsPerSecond([]),
      'steps/s', 100_000),
    atLeast('random mode, model driver, daemon-reexec (steps/s, one core)',
      await stepsPerSecond(['daemon-reexec']), 'steps/s', 100_000),
    atMost('default lockchart matrix (wall time)', matrixSeconds(), 's', 60),
  ];
}
