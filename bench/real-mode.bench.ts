/**
 * Issue 4's real-mode figure for the kernel-lock drivers: simulated steps per second in real
 * mode (real supervised processes, real files, real kernel locks; setup and teardown included),
 * for ofd and posix, over a few seeds with faults. Target: ≥ 200 steps/s.
 *
 * Next to it, what bounds it: how often the workload starts a VM (each start is a supervisor and
 * its VM stand-in, two Node processes, taken warm from the pool and replaced in the background),
 * and what one such pair costs to start when nothing else runs.
 */
import type { RealBackend } from '../real/backend.ts';
import { kernelBackend, type KernelDriverName } from '../real/kernel/backend.ts';
import { SupervisorPool } from '../real/kernel/pool.ts';
import { runReal } from '../real/runner.ts';
import type { FaultName } from '../sim/faults/index.ts';
import { atLeast, type BenchFigure } from './harness.ts';

const FAULTS: readonly FaultName[] = ['process-crash', 'process-kill', 'acquire-fails',
  'release-fails', 'partial-acquire', 'host-crash', 'path-alias', 'image-probe'];
const SEEDS = [1, 2, 3];
const STEPS = 400;

interface Measured {
  readonly stepsPerSecond: number;
  readonly stepsPerLaunch: number;
  readonly findings: number;
}

function countLaunches(backend: RealBackend): { count: number } {
  const seen = { count: 0 };
  const launch = backend.launch.bind(backend);
  backend.launch = (...args) => {
    seen.count++;
    return launch(...args);
  };
  return seen;
}

async function measure(name: KernelDriverName): Promise<Measured> {
  let steps = 0;
  let launches = 0;
  let findings = 0;
  const started = performance.now();
  for (const seed of SEEDS) {
    const backend = kernelBackend(name);
    const seen = countLaunches(backend);
    const result = await runReal({ backend, source: { kind: 'random', seed, steps: STEPS,
      faults: name === 'posix' ? [...FAULTS, 'libvirtd-restart'] : FAULTS } });
    steps += result.steps;
    launches += seen.count;
    findings += result.findings.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { stepsPerSecond: steps / seconds, stepsPerLaunch: steps / launches, findings };
}

/** Milliseconds to start one supervisor with its stand-in, one at a time. */
async function pairStartMs(): Promise<number> {
  const pool = new SupervisorPool(1);
  try {
    pool.fill();
    await (await pool.take()).kill();
    const rounds = 8;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) await (await pool.take()).kill();
    return (performance.now() - started) / rounds;
  } finally {
    await pool.close();
  }
}

export default async function bench(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const launchRates: number[] = [];
  for (const name of ['ofd', 'posix'] as const) {
    const measured = await measure(name);
    figures.push(atLeast(`real mode, ${name}, seeds ${SEEDS.join(',')} with faults (steps/s)`,
      measured.stepsPerSecond, 'steps/s', 200));
    figures.push({ name: `  ${name}: findings (must be 0)`, value: measured.findings,
      unit: 'findings', ok: measured.findings === 0 });
    launchRates.push(measured.stepsPerLaunch);
  }
  const perLaunch = launchRates.reduce((a, b) => a + b, 0) / launchRates.length;
  figures.push({ name: '  steps per VM start (a supervisor + stand-in pair)', value: perLaunch,
    unit: 'steps' });
  figures.push({ name: '  one pair started alone, until ready (ms)', value: await pairStartMs(),
    unit: 'ms' });
  return figures;
}
