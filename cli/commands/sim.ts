/** `lockchart sim`: one seeded random run (or a sweep of seeds), with its trace. */
import type { InvariantId } from '../../sim/checkers/index.ts';
import { runRandom } from '../../sim/run/random.ts';
import { describeSwarm } from '../../sim/swarm.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { inspectOption, inspectUsage } from '../inspect-option.ts';
import { defaultWorkers } from '../../matrix/pool.ts';
import { simReal } from '../real-run.ts';
import { sweep } from '../sweep.ts';
import { driverOption, faultsOption, positiveOption, seedOption, shapeOption } from '../sim-options.ts';

const INVARIANTS = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7'];

/** Exit codes, after TigerBeetle's simulator: a safety violation, a liveness violation. */
export const EXIT_SAFETY = 129;
export const EXIT_LIVENESS = 128;

export const simCommand: Command = {
  name: 'sim',
  summary: 'run the simulator for one seed (or a sweep) and write its trace',
  usage: [
    'usage: lockchart sim [--driver NAME|PATH] [--seed N] [--seeds N] [--steps N]',
    '                     [--faults none|a,b,…] [--shape HxVxD] [--invariants S1,S3]',
    '                     [--trace FILE] [--inspect FILE|ws://HOST:PORT] [--json]',
    '       lockchart sim --real --driver ofd|posix|posix-naive|lockd|libvirt-lockd [--seed N]',
    '                     [--steps N] [--faults …] [--shape HxVxD] [--trace FILE] [--keep-going]',
    '',
    '  --driver     nop, model, model-indirect, a canary, or a module exporting a service model',
    '  --seed       the seed (default 1); one seed reproduces a run exactly',
    '  --seeds      sweep this many seeds from --seed on, in parallel on worker threads, and',
    '               report the lowest violating seed',
    '  --workers    worker threads for a sweep (default: one per core)',
    '  --steps      steps of the safety phase per seed (default 2000)',
    '  --faults     fault classes to inject (see lockchart matrix --help for the list)',
    '  --shape      hosts x VMs x disks (default 2x3x3)',
    '  --trace      write the trace (JSON lines, as the run goes) to FILE',
    '  --real       real mode: the same steps against a real driver — real processes, files,',
    '               kernel locks, daemons (default 500 steps); divergences are findings (exit 3);',
    '               libvirt-lockd is libvirt\'s own lock-manager code (lockd.so) in the loop',
    '  --keep-going real mode: report every finding instead of stopping at the first',
    ...inspectUsage(15),
    '',
    'Exit status: 0 safe, 129 safety violation, 128 liveness violation, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      driver: { type: 'string' }, seed: { type: 'string' }, seeds: { type: 'string' },
      steps: { type: 'string' }, faults: { type: 'string' }, shape: { type: 'string' },
      invariants: { type: 'string' }, trace: { type: 'string' }, json: { type: 'boolean' },
      inspect: { type: 'string' }, real: { type: 'boolean' }, 'keep-going': { type: 'boolean' },
      workers: { type: 'string' },
    }, 'sim');
    if (positionals.length > 0) throw new CliError(`sim: unexpected argument '${positionals[0]}'`);
    if (values.real) return simReal(values, io);
    if (values['keep-going']) throw new CliError('--keep-going is for real mode (--real)');
    const driver = await driverOption(values.driver);
    const faults = faultsOption(values.faults);
    const first = seedOption(values.seed, 1);
    const seeds = positiveOption(values.seeds, 'seeds', 1, 1_000_000);
    const steps = positiveOption(values.steps, 'steps', 2000, 10_000_000);
    const shape = shapeOption(values.shape);
    const invariants = values.invariants?.split(',').map((id) => {
      if (!INVARIANTS.includes(id)) throw new CliError(`--invariants: unknown invariant '${id}'`);
      return id as InvariantId;
    });
    if (values.trace && seeds > 1) throw new CliError('--trace takes one seed; drop --seeds');
    if (values.inspect !== undefined && seeds > 1) {
      throw new CliError('--inspect takes one seed; drop --seeds');
    }
    if (seeds > 1) {
      const { violated } = await sweep({ driver: values.driver ?? driver.name, faults, first, seeds,
        steps, workers: positiveOption(values.workers, 'workers', defaultWorkers(), 64),
        ...(shape ? { shape } : {}), ...(invariants ? { invariants } : {}) }, io);
      return violated ? EXIT_SAFETY : 0;
    }
    const inspection = await inspectOption(values.inspect);
    for (let seed = first; seed < first + seeds; seed++) {
      const sink = values.trace ? new FileSink(values.trace) : undefined;
      let result;
      try {
        result = runRandom({ driver, seed, steps, faults, ...(shape ? { shape } : {}),
          ...(invariants ? { invariants } : {}), ...(sink ? { sink } : {}),
          ...(inspection ? { observer: inspection.observer } : {}) });
      } finally {
        // A socket left open would keep the process alive after a crash.
        await inspection?.sink.close();
      }
      const found = result.violation ?? result.liveness;
      if (values.json) {
        io.out(JSON.stringify({ seed, driver: driver.name, faults, steps: result.steps,
          swarm: result.swarm, violation: result.violation, liveness: result.liveness,
          trace: values.trace ?? null }));
      } else {
        io.out(`SEED=${seed} driver=${driver.name} faults=${faults.join(',') || 'none'} ` +
          `steps=${result.steps} faults-injected=${result.faultsInjected}`);
        io.out(`  swarm: ${describeSwarm(result.swarm)}`);
        io.out(found
          ? `  ${found.kind === 'safety' ? 'VIOLATED' : 'LIVENESS'} ${found.invariant} ` +
            `${found.checker} at step ${found.step}: ${found.message}`
          : '  safe');
        if (values.trace) io.out(`  trace: ${values.trace} (lockchart replay|shrink ${values.trace})`);
        if (values.inspect) io.out(`  inspection events: ${values.inspect}`);
      }
      if (result.violation) return EXIT_SAFETY;
      if (result.liveness && seeds === 1) return EXIT_LIVENESS;
    }
    return 0;
  },
};
