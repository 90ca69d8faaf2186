/**
 * `npm run bench explorer`: issue 6's figures for the exhaustive explorer on 2 hosts × 2 VMs ×
 * 2 disks with the `model` driver, a fault budget of 2 and the matrix's workload budget:
 *
 * - throughput: distinct states per second on one core, over one large exploration (every
 *   fault class that does not stop at a violation, all at once), the median of three runs;
 *   time is CPU time of this process (the box may be shared), wall time is printed beside it;
 * - memory: bytes per stored state (the fingerprint table and the BFS tree), and the heap;
 * - the matrix row: every fault class alone explored to exhaustion, with its exact state count,
 *   and the wall time of the whole row;
 * - issue 18's parallel figures: the same exploration on a pool of 1 and of 2 worker threads
 *   (sharded by fingerprint, `sim/explorer/parallel/`), per wall-clock second and per CPU second
 *   of the whole process, with the 2-worker speed-up over the single-threaded explorer stated
 *   per core. The box is 2 vCPUs shared with other work: the wall-clock figures are the ones
 *   noise moves most, so the deterministic bound of the partition (transitions over the busiest
 *   shard's, level by level) is printed beside them;
 * - SPIN's figure on the reference Promela model of virtlockd's table (`lockd-table.pml`,
 *   `spin-reference.ts`) in the same run, and the explorer's speed as a fraction of it (skipped
 *   with the reason printed when spin or gcc is missing).
 */
import { EXHAUSTIVE_DEFAULTS } from '../matrix/exhaustive.ts';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { explore, type ExploreOptions, type ExploreResult } from '../sim/explorer/explore.ts';
import { bytesPerState } from '../sim/explorer/format.ts';
import { FAULT_NAMES, type FaultName } from '../sim/faults/index.ts';
import { ShardPool } from '../sim/explorer/parallel/coordinator.ts';
import { atLeast, atMost, type BenchFigure } from './harness.ts';
import { spinReference } from './spin-reference.ts';

interface Timed {
  readonly result: ExploreResult;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
}

function timed(options: ExploreOptions): Timed {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const result = explore(options);
  const used = process.cpuUsage(cpu);
  return { result, cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds: (performance.now() - wall) / 1000 };
}

/** An exploration on a pool; CPU time is the whole process's (every thread's). */
async function timedOn(pool: ShardPool, options: ExploreOptions): Promise<Timed> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const result = await pool.explore(options);
  const used = process.cpuUsage(cpu);
  return { result, cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds: (performance.now() - wall) / 1000 };
}

const median = (runs: Timed[], by: (run: Timed) => number) =>
  [...runs].sort((a, b) => by(a) - by(b))[Math.floor(runs.length / 2)]!;

/** The parallel figures: pools of 1 and 2 workers, warmed, each exploration three times. */
async function parallelFigures(options: ExploreOptions, sequential: Timed): Promise<BenchFigure[]> {
  const measured: { workers: number; run: Timed; runs: Timed[] }[] = [];
  for (const workers of [1, 2]) {
    const pool = await ShardPool.open(workers);
    try {
      await pool.explore({ ...options, faults: [], workload: 3 });
      const runs: Timed[] = [];
      for (let i = 0; i < 3; i++) runs.push(await timedOn(pool, options));
      if (runs.some((run) => run.result.states !== sequential.result.states ||
        run.result.transitions !== sequential.result.transitions)) {
        throw new Error('the parallel explorer counted otherwise than the sequential one');
      }
      measured.push({ workers, run: median(runs, (run) => run.wallSeconds), runs });
    } finally {
      await pool.close();
    }
  }
  const states = sequential.result.states;
  const [one, two] = measured as [typeof measured[0], typeof measured[0]];
  const speedup = sequential.wallSeconds / two.run.wallSeconds;
  const stats = two.run.result.parallel!;
  const walls = (runs: Timed[]) => runs.map((run) => run.wallSeconds.toFixed(1)).join(' / ');
  return [
    info(`parallel, 1 worker: states per wall second (${walls(one.runs)} s)`,
      states / one.run.wallSeconds, 'states/s'),
    info('  the same per CPU second (every thread)', states / one.run.cpuSeconds, 'states/s'),
    info(`parallel, 2 workers: states per wall second (${walls(two.runs)} s)`,
      states / two.run.wallSeconds, 'states/s'),
    info('  the same per CPU second (every thread)', states / two.run.cpuSeconds, 'states/s'),
    atLeast(`2 workers over the single-threaded explorer, wall (${sequential.wallSeconds.toFixed(1)}` +
      ` s → ${two.run.wallSeconds.toFixed(1)} s)`, speedup, '×', 1.7),
    info('  per core', speedup / 2, '×'),
    info('  2 workers over 1 worker, wall', one.run.wallSeconds / two.run.wallSeconds, '×'),
    info('  the partition\'s bound (transitions / busiest shard\'s, per level)',
      stats.criticalTransitions > 0 ? sequential.result.transitions / stats.criticalTransitions : 0,
      '×'),
    info('  states handed over to balance the shards', stats.handedOver, 'states'),
  ];
}

const info = (name: string, value: number, unit: string): BenchFigure => ({ name, value, unit });

export default async function bench(): Promise<BenchFigure[]> {
  const driver = await resolveSimDriver('model');
  const { shape, faultBudget, workload } = EXHAUSTIVE_DEFAULTS;
  const base = { driver, shape, faultBudget, workload, coverage: false };
  // Warm the interned statecharts, as a long exploration would.
  explore({ ...base, faults: [], workload: 3 });

  const row: BenchFigure[] = [];
  const started = performance.now();
  const safe: FaultName[] = [];
  for (const fault of FAULT_NAMES) {
    const { result } = timed({ ...base, faults: [fault] });
    if (!result.violation) safe.push(fault);
    const found = result.violation;
    const what = found
      ? `violated ${found.violation.invariant} in ${found.steps.length} steps, states before`
      : `states (${result.exhausted ? 'exhausted' : 'NOT exhausted'})`;
    row.push(info(`  ${fault}: ${what}`, result.states, 'states'));
  }
  const rowSeconds = (performance.now() - started) / 1000;

  // The box's speed wanders by ±20% from run to run: the figure is the median of three.
  const runs = [0, 1, 2].map(() => timed({ ...base, faults: safe }))
    .sort((a, b) => a.cpuSeconds - b.cpuSeconds);
  const all = runs[1]!;
  const { result } = all;
  const perCpu = result.states / all.cpuSeconds;
  const spread = runs.map((run) => Math.round(result.states / run.cpuSeconds).toLocaleString('en'));
  const plain = timed({ ...base, faults: safe, symmetry: false });
  // The single-threaded wall-clock time the parallel runs are compared with: the median run's
  // (by wall time: the speed-up is stated on the wall clock).
  const parallel = await parallelFigures({ ...base, faults: safe },
    median(runs, (run) => run.wallSeconds));
  const spin = spinFigures(perCpu, result.states / all.wallSeconds);
  const packed = packedFigures({ ...base, faults: safe }, all);
  return [
    atLeast(`distinct states/s, one core (${safe.length} fault classes at once, ` +
      `budget ${faultBudget}, workload ≤ ${workload}; median of ${spread.join(' / ')})`, perCpu,
    'states/s', 75_000),
    info(`  the same per wall-clock second (${all.wallSeconds.toFixed(1)} s)`,
      result.states / all.wallSeconds, 'states/s'),
    info(`  transitions/s, one core (${(result.transitions / result.states).toFixed(1)} per state)`,
      result.transitions / all.cpuSeconds, 'transitions/s'),
    atMost('bytes per stored state (fingerprint table + BFS tree)', bytesPerState(result),
      'bytes', 64),
    info('  heap after the exploration, per state', process.memoryUsage().heapUsed / result.states,
      'bytes'),
    info(`  distinct states, all ${safe.length} classes at once (exhausted: ${result.exhausted})`,
      result.states, 'states'),
    info('  without symmetry reduction (group of ' + `${result.symmetries})`, plain.result.states,
      'states'),
    atMost(`2×2×2, fault budget ${faultBudget}: every fault class alone, explored (wall)`,
      rowSeconds, 's', 60),
    atMost(`2×2×2, fault budget ${faultBudget}: ${safe.length} classes at once, explored (wall)`,
      all.wallSeconds, 's', 60),
    ...parallel,
    ...packed,
    ...spin,
    ...row,
  ];
}

/** The frontier packed (`packed.ts`): its bytes per state, and what packing costs. */
function packedFigures(options: ExploreOptions, unpacked: Timed): BenchFigure[] {
  let peak = 0;
  const run = timed({ ...options, packed: true, onLevel: () => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  } });
  const report = run.result.packed!;
  return [
    info(`packed frontier: bytes per state (${report.states.toLocaleString('en-US')} packed, ` +
      `${report.checked.toLocaleString('en-US')} checked against the object world)`,
      report.bytes / report.states, 'bytes'),
    info('  packed: distinct states/s, one core', run.result.states / run.cpuSeconds, 'states/s'),
    info('  packed / unpacked speed (CPU)', unpacked.cpuSeconds / run.cpuSeconds, '×'),
    info('  peak heap of the packed run, per state', peak / run.result.states, 'bytes'),
  ];
}

/** SPIN on the reference model, and the explorer's speed beside it. */
function spinFigures(explorerPerCpu: number, explorerPerWall: number): BenchFigure[] {
  const spin = spinReference();
  if (!spin.ran) {
    console.log(`  (SPIN's reference figure skipped: ${spin.reason})`);
    return [];
  }
  if (spin.errors > 0) throw new Error('SPIN found an error in the reference model');
  const perCpu = spin.states / Math.max(spin.cpuSeconds, 1e-3);
  return [
    info(`SPIN (${spin.version.replace(/ --.*/, '')}) on bench/lockd-table.pml: stored states/s ` +
      `(${spin.states.toLocaleString('en-US')} states, ${spin.seconds.toFixed(1)} s)`,
    spin.statesPerSecond, 'states/s'),
    info('  the same per CPU second', perCpu, 'states/s'),
    info('  explorer / SPIN, per CPU second (one core)', explorerPerCpu / perCpu, '×'),
    info('  explorer / SPIN, per wall-clock second (one core)',
      explorerPerWall / spin.statesPerSecond, '×'),
  ];
}
