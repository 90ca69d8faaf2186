/** `lockchart sim`: one seeded random run (or a sweep of seeds), with its trace. */
import { INVARIANT_IDS, type InvariantId } from '../../sim/checkers/index.ts';
import { runRandom } from '../../sim/run/random.ts';
import { describeSwarm } from '../../sim/swarm.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { checkInspectTarget, inspectOption, inspectUsage } from '../inspect-option.ts';
import { defaultWorkers } from '../../matrix/pool.ts';
import { simReal } from '../real-run.ts';
import { sweep } from '../sweep.ts';
import { EXIT_LIVENESS, EXIT_SAFETY, printSweep, sweepExitCode, sweepJson } from '../sweep-report.ts';
import { shardOption } from '../shard-option.ts';
import { writeReports } from '../report-file.ts';
import {
  designOption, DESIGN_USAGE, driverOption, faultsOption, offerOption, positiveOption, seedOption,
  shapeOption,
} from '../sim-options.ts';
import { driverFlag, shellWord } from '../../drivers/registry/offer.ts';
import { EXIT_INTERRUPTED, runInterruptibly } from '../interrupt.ts';
import { checkOutputDirectory, checkOutputFile } from '../output-path.ts';
import { MAX_SEED } from '../../sim/prng.ts';

const INVARIANTS: readonly string[] = INVARIANT_IDS;

export { EXIT_LIVENESS, EXIT_SAFETY };

export const simCommand: Command = {
  name: 'sim',
  summary: 'run the simulator for one seed (or a sweep) and write its trace',
  usage: [
    'usage: lockchart sim [--driver NAME|PATH] [--seed N] [--seeds N] [--steps N]',
    '                     [--faults none|a,b,…] [--shape HxVxD] [--invariants S1,S3]',
    '                     [--design libvirt|rfc|rfc-early-shutdown]',
    '                     [--trace FILE] [--inspect FILE|ws://HOST:PORT] [--json]',
    '       lockchart sim --seeds N [--shard i/n] [--out FILE] [--out-dir DIR] …',
    '       lockchart sim --real --driver ofd|posix|posix-naive|lockd|sanlock|libvirt-lockd|',
    '                     libvirt-sanlock|PATH [--seed N] [--steps N] [--faults …] [--shape HxVxD]',
    '                     [--trace FILE] [--keep-going]',
    '',
    '  --driver     nop, model, model-indirect, lease, a canary, or a module exporting a service',
    '               model (docs/plugins.md); with --real: ofd, posix, posix-naive, lockd,',
    '               sanlock, libvirt-lockd, libvirt-sanlock, or a module exporting createDriver',
    '  --seed       the seed (default 1); one seed reproduces a run exactly',
    '  --seeds      sweep this many seeds from --seed on, in parallel on worker threads, and',
    '               report the lowest violating seed (and liveness findings); --json prints',
    '               one object',
    '  --workers    worker threads for a sweep (default: one per core)',
    '  --shard      sweep only the i-th of n equal ranges of the seeds; inside a Kubernetes',
    '               Indexed Job the shard is JOB_COMPLETION_INDEX of JOB_COMPLETIONS when',
    '               --seeds is given (docs/scale-out.md); `lockchart merge` joins the shards',
    '  --out        write the sweep\'s report (JSON, for merge) to FILE',
    '  --out-dir    write it into DIR as seeds-I-of-N.json (seeds.json unsharded): the shared',
    '               directory of a sharded sweep',
    '  --steps      steps of the safety phase per seed (default 2000)',
    '  --faults     fault classes to inject (see lockchart matrix --help for the list)',
    '  --shape      hosts x VMs x disks (default 2x3x3)',
    ...DESIGN_USAGE,
    '  --trace      write the trace (JSON lines, as the run goes) to FILE',
    '  --real       real mode: the same steps against a real driver — real processes, files,',
    '               kernel locks, daemons (default 500 steps); divergences are findings (exit 3);',
    '               sanlock is lockchart\'s sanlock driver on private sanlock daemons, checked',
    '               against model-sanlock (docs/sanlock.md); libvirt-lockd and libvirt-sanlock',
    '               are libvirt\'s own lock-manager code (lockd.so, sanlock.so) in the loop',
    '  --keep-going real mode: report every finding instead of stopping at the first',
    ...inspectUsage(15),
    '',
    'Ctrl-C stops the run and says how far it got and where the trace so far is.',
    'Exit status: 0 safe, 129 safety violation, 128 liveness violation, 2 bad input,',
    '130 interrupted.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      driver: { type: 'string' }, seed: { type: 'string' }, seeds: { type: 'string' },
      steps: { type: 'string' }, faults: { type: 'string' }, shape: { type: 'string' },
      invariants: { type: 'string' }, trace: { type: 'string' }, json: { type: 'boolean' },
      inspect: { type: 'string' }, real: { type: 'boolean' }, 'keep-going': { type: 'boolean' },
      workers: { type: 'string' }, shard: { type: 'string' }, out: { type: 'string' },
      'out-dir': { type: 'string' }, design: { type: 'string' },
    }, 'sim');
    if (positionals.length > 0) throw new CliError(`sim: unexpected argument '${positionals[0]}'`);
    const sweepOnly = (['shard', 'out', 'out-dir'] as const).find((flag) => values[flag] !== undefined);
    const design = designOption(values.design);
    if (values.real) {
      if (sweepOnly) throw new CliError(`--${sweepOnly} is for a sweep (--seeds N), not real mode`);
      if (design !== 'libvirt') {
        throw new CliError('--real runs the libvirt design only (no backend has an RFC supervisor)');
      }
      return simReal(values, io);
    }
    if (values['keep-going']) throw new CliError('--keep-going is for real mode (--real)');
    const faults = faultsOption(values.faults);
    const first = seedOption(values.seed, 1);
    const seeds = positiveOption(values.seeds, 'seeds', 1, 1_000_000);
    if (first + seeds - 1 > MAX_SEED) {
      throw new CliError(`--seed ${first} with --seeds ${seeds} runs past seed ${MAX_SEED} ` +
        `(2^32-1), the last seed there is; sweep at most ${MAX_SEED - first + 1} seed(s) from there`);
    }
    const steps = positiveOption(values.steps, 'steps', 2000, 10_000_000);
    const shape = shapeOption(values.shape);
    const invariants = values.invariants?.split(',').map((id) => {
      if (!INVARIANTS.includes(id)) throw new CliError(`--invariants: unknown invariant '${id}'`);
      return id as InvariantId;
    });
    // A Job's shard applies to a sweep the user asked for; a single seed is one run anywhere.
    if (values.seeds === undefined && sweepOnly) {
      throw new CliError(`--${sweepOnly} is for a sweep: add --seeds N`);
    }
    const shard = values.seeds === undefined ? undefined : shardOption(values.shard, process.env);
    if (shard && seeds < shard.shard.count) {
      throw new CliError(`--seeds ${seeds} cannot be split into ${shard.shard.count} shards ` +
        '(every shard sweeps at least one seed)');
    }
    const sweeping = values.seeds !== undefined && (seeds > 1 || sweepOnly !== undefined ||
      shard !== undefined);
    if (values.trace && sweeping) throw new CliError('--trace takes one seed; drop --seeds');
    if (values.inspect !== undefined && sweeping) {
      throw new CliError('--inspect takes one seed; drop --seeds');
    }
    if (values.trace !== undefined) checkOutputFile(values.trace, '--trace');
    if (values.out !== undefined) checkOutputFile(values.out, '--out');
    if (values['out-dir'] !== undefined) checkOutputDirectory(values['out-dir'], '--out-dir');
    checkInspectTarget(values.inspect);
    const offer = await offerOption(values.driver);
    const driver = await driverOption(values.driver);
    if (sweeping) {
      const workers = positiveOption(values.workers, 'workers', defaultWorkers(), 64);
      if (shard && shard.source !== '--shard') {
        io.err(`sim: shard ${shard.shard.index}/${shard.shard.count} (${shard.source})`);
      }
      const report = await sweep({ params: { driver: values.driver ?? driver.name,
        label: offer.name, faults, first, seeds, steps, shape: shape ?? null,
        invariants: invariants ?? null, ...(design !== 'libvirt' ? { design } : {}) },
      shard: shard?.shard ?? null, workers }, io);
      // An interrupted sweep merges with nothing: its report is not written.
      if (!report.interrupted) {
        writeReports(report, 'seeds', report.shard, { out: values.out, outDir: values['out-dir'] });
      }
      if (values.json) io.out(JSON.stringify(sweepJson(report)));
      else printSweep(report, `on ${workers} worker thread(s)`, io);
      return sweepExitCode(report);
    }
    const inspection = await inspectOption(values.inspect);
    const seed = first;
    const sink = values.trace ? new FileSink(values.trace) : undefined;
    let run;
    try {
      run = runInterruptibly(() => runRandom({ driver, seed, steps, faults, design,
        ...(shape ? { shape } : {}), ...(invariants ? { invariants } : {}),
        ...(sink ? { sink } : {}),
        ...(inspection ? { observer: inspection.observer } : {}) }));
    } finally {
      // A socket left open would keep the process alive after a crash.
      await inspection?.sink.close();
    }
    const replay = `lockchart replay ${shellWord(values.trace ?? '')}${driverFlag(offer)}`;
    if (run.interrupted) {
      // Counted from the file, the truth: the interrupt may land between a record's write and
      // any count kept beside it.
      io.err(`lockchart: sim interrupted (SIGINT) at seed ${seed}` + (sink
        ? ` after ${readTraceFile(sink.path).steps.length} step(s); ${values.trace} holds them, a valid prefix ` +
          `(${replay})` : '; no trace was kept (pass --trace FILE to keep one)'));
      return EXIT_INTERRUPTED;
    }
    const result = run.value;
    const found = result.violation ?? result.liveness;
    if (values.json) {
      io.out(JSON.stringify({ seed, driver: driver.name, ...(design !== 'libvirt' ? { design } : {}),
        faults, steps: result.steps,
        swarm: result.swarm, violation: result.violation, liveness: result.liveness,
        trace: values.trace ?? null }));
    } else {
      io.out(`SEED=${seed} driver=${driver.name}${design !== 'libvirt' ? ` design=${design}` : ''} faults=${faults.join(',') || 'none'} ` +
        `steps=${result.steps} faults-injected=${result.faultsInjected}`);
      io.out(`  swarm: ${describeSwarm(result.swarm)}`);
      io.out(found
        ? `  ${found.kind === 'safety' ? 'VIOLATED' : 'LIVENESS'} ${found.invariant} ` +
          `${found.checker} at step ${found.step}: ${found.message}`
        : '  safe');
      if (values.trace) {
        io.out(`  trace: ${values.trace} (${replay}; lockchart shrink ` +
          `${shellWord(values.trace)}${driverFlag(offer)})`);
      }
      if (values.inspect) io.out(`  inspection events: ${values.inspect}`);
    }
    if (result.violation) return EXIT_SAFETY;
    return result.liveness ? EXIT_LIVENESS : 0;
  },
};
