/**
 * `npm run bench explorer`: issue 6's figures for the exhaustive explorer on 2 hosts × 2 VMs ×
 * 2 disks with the `model` driver, a fault budget of 2 and the matrix's workload budget:
 *
 * - throughput: distinct states per second on one core, over one large exploration (every
 *   fault class that does not stop at a violation, all at once), the median of three runs;
 *   time is CPU time of this process (the box may be shared), wall time is printed beside it;
 * - memory: bytes per stored state (the fingerprint table and the BFS tree), and the heap;
 * - the matrix row: every fault class alone explored to exhaustion, with its exact state count,
 *   and the wall time of the whole row.
 */
import { EXHAUSTIVE_DEFAULTS } from '../matrix/exhaustive.ts';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { explore, type ExploreOptions, type ExploreResult } from '../sim/explorer/explore.ts';
import { bytesPerState } from '../sim/explorer/format.ts';
import { FAULT_NAMES, type FaultName } from '../sim/faults/index.ts';
import { atLeast, atMost, type BenchFigure } from './harness.ts';

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
  return [
    atLeast(`distinct states/s, one core (${safe.length} fault classes at once, ` +
      `budget ${faultBudget}, workload ≤ ${workload}; median of ${spread.join(' / ')})`, perCpu,
    'states/s', 50_000),
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
    ...row,
  ];
}
