/**
 * `npm run bench lease`: the lease model on the virtual clock. Issue 15's figure: simulated
 * seconds per wall second for lease scenarios, at least 10⁴× (the scenarios of
 * `scenarios/lease-*` and `scenarios/sanlock-*`, run over and over on one core). Also printed:
 * random mode with the lease model (steps/s, and simulated seconds per wall second with every
 * clock fault class on), and the margin search's wall time.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { leaseModel } from '../drivers/lease/model.ts';
import { searchMargin } from '../sim/margin/search.ts';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { runRandom } from '../sim/run/random.ts';
import { Session } from '../sim/run/session.ts';
import { loadScenario } from '../sim/scenario/run.ts';
import { createContext } from '../sim/world/context.ts';
import { createWorld } from '../sim/world/setup.ts';
import { atLeast, type BenchFigure } from './harness.ts';

const TIMED = ['process-pause', 'storage-eio', 'storage-stall', 'clock-jump', 'watchdog-off'];

/** Runs every lease scenario's steps once; the simulated milliseconds they cover. */
async function scenarioPass(files: readonly string[]): Promise<() => number> {
  const prepared = await Promise.all(files.map(async (file) => {
    const scenario = loadScenario(file);
    const driver = await resolveSimDriver(scenario.driver);
    const ctx = createContext(driver.model, { hosts: scenario.hosts, vms: scenario.vms.length,
      disks: scenario.disks }, { ...driver.config, ...scenario.config });
    const steps = scenario.actions.flatMap(({ action }) => (action.type === 'step' ? [action.step] : []));
    return { ctx, scenario, steps };
  }));
  return () => {
    let ms = 0;
    for (const { ctx, scenario, steps } of prepared) {
      const session = new Session(ctx, createWorld(ctx, scenario.vms));
      for (const step of steps) session.apply(step);
      session.heal(null);
      ms += session.world.time;
    }
    return ms;
  };
}

function measure(body: () => number, seconds = 3, warmUp = () => { body(); }):
  { perWall: number; wallSeconds: number } {
  for (let i = 0; i < 3; i++) warmUp();
  let simulated = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) simulated += body();
  const wall = performance.now() - started;
  // Both clocks in milliseconds: simulated per wall is a plain ratio.
  return { perWall: simulated / wall, wallSeconds: wall / 1000 };
}

export default async function bench(): Promise<BenchFigure[]> {
  const files = readdirSync('scenarios').filter((f) => /^(lease|sanlock)-.*\.scenario$/.test(f))
    .sort().map((f) => join('scenarios', f));
  const scenarios = measure(await scenarioPass(files));

  const lease = await resolveSimDriver('lease');
  let steps = 0;
  let seed = 1;
  const random = measure(() => {
    const run = runRandom({ driver: lease, seed: seed++, steps: 2000, faults: TIMED as never });
    steps += run.steps;
    return run.world.time;
  }, 3, () => { runRandom({ driver: lease, seed: 10_000, steps: 2000, faults: TIMED as never }); });
  // Steps of the warm-up runs are counted too: a few % high at most over 3 s.
  const stepsPerSecond = steps / random.wallSeconds;
  const marginStarted = performance.now();
  searchMargin(leaseModel as never, { io_timeout: 1, use_watchdog: 0 });
  const marginSeconds = (performance.now() - marginStarted) / 1000;
  return [
    atLeast(`lease scenarios (${files.length}): simulated seconds per wall second`,
      scenarios.perWall, '×', 10_000),
    { name: `random mode, lease model, ${TIMED.length} clock fault classes: simulated s per wall s`,
      value: random.perWall, unit: '×' },
    { name: 'random mode, lease model, clock fault classes (steps/s, one core)',
      value: stepsPerSecond, unit: 'steps/s' },
    { name: 'lockchart margin --io-timeout 1 --watchdog off (wall time)', value: marginSeconds, unit: 's' },
  ];
}
