/**
 * `npm run bench real-lockd`: the simulator's real mode against real virtlockd daemons (one per
 * host, started and stopped here), in simulated steps per second, with the two costs that bound
 * it: starting a VM stand-in (a Node owner process, from a warm pool) and virtlockd's kill loop
 * (~200 ms, the whole daemon stalled) each time a process dies holding locks.
 *
 * The target is issue 4's for real mode (>= 200 steps/s). About one step in four launches a
 * stand-in, and a Node process costs tens of milliseconds of CPU to start, so on a 2-vCPU
 * machine the launches alone use most of the CPU well below that target.
 */
import { lockdBackend } from '../real/lockd/backend.ts';
import { LockdHost } from '../real/lockd/host.ts';
import { bundleOwnerProgram } from '../real/lockd/owner-entry.ts';
import { SpawnGate } from '../real/lockd/owner-pool.ts';
import { createLockdWorld } from '../real/lockd/world.ts';
import { runReal } from '../real/runner.ts';
import { FAULT_NAMES, type FaultName } from '../sim/faults/index.ts';
import { atLeast, type BenchFigure } from './harness.ts';

const STEPS = 400;

async function stepsPerSecond(faults: readonly FaultName[]): Promise<number> {
  let steps = 0;
  const start = performance.now();
  for (const seed of [1, 2]) {
    const result = await runReal({ backend: lockdBackend(), keepGoing: true,
      source: { kind: 'random', seed, steps: STEPS, faults } });
    steps += result.steps;
  }
  return steps / ((performance.now() - start) / 1000);
}

function median(values: number[]): number {
  return values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
}

/** Milliseconds: an owner's start (no pool), and the settle after a lock holder dies. */
async function costs(): Promise<{ spawnMs: number; killLoopMs: number }> {
  const world = createLockdWorld(1);
  const entry = await bundleOwnerProgram(world.root);
  const host = await LockdHost.start(0, { parentDir: world.root, timeoutMs: 5_000, poolSize: 0,
    gate: new SpawnGate(1), spawn: { cwd: world.root, ...(entry ? { entry } : {}) } });
  const spawns: number[] = [];
  const settles: number[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      let t = performance.now();
      const owner = await host.pool.take();
      spawns.push(performance.now() - t);
      await owner.register({ restrict: true });
      await host.call('acquire', owner.pid, [[world.image(0), 'exclusive']]);
      await owner.kill('SIGKILL');
      t = performance.now();
      await host.settle();
      settles.push(performance.now() - t);
    }
  } finally {
    await host.stop();
    world.remove();
  }
  return { spawnMs: median(spawns), killLoopMs: median(settles) };
}

export default async function realLockdBench(): Promise<BenchFigure[]> {
  const none = await stepsPerSecond([]);
  const all = await stepsPerSecond(FAULT_NAMES);
  const { spawnMs, killLoopMs } = await costs();
  return [
    atLeast(`real mode, lockd, no faults (2 seeds x ${STEPS} steps)`, none, 'steps/s', 200),
    atLeast(`real mode, lockd, every fault class (2 seeds x ${STEPS} steps)`, all, 'steps/s',
      200),
    { name: 'start of one owner process (bundled, not pooled), median', value: spawnMs,
      unit: 'ms' },
    { name: 'daemon stall after a lock holder dies (kill loop), median', value: killLoopMs,
      unit: 'ms' },
  ];
}
