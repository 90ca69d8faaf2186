/** `lockchart matrix`: the main job — every driver against every fault class. */
import { existsSync } from 'node:fs';
import { CANARIES } from '../../sim/canaries/canaries.ts';
import type { Design } from '../../sim/world/design.ts';
import { BUILTIN_DRIVERS } from '../../sim/resolve-driver.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import type { Column } from '../../matrix/cell.ts';
import { formatMarkdown, formatText, toJson } from '../../matrix/format.ts';
import { ALL_COLUMNS, matrixSpecs, runMatrix, type MatrixDriver } from '../../matrix/matrix.ts';
import { realTracePath } from '../../matrix/real-cell.ts';
import { driverFlag } from '../../drivers/registry/offer.ts';
import { builtinDriver } from '../../sim/resolve-driver.ts';
import { MAX_SEED } from '../../sim/prng.ts';
import { EXIT_INTERRUPTED, withInterrupt } from '../interrupt.ts';
import { checkOutputDirectory, checkOutputFile } from '../output-path.ts';
import { writeReports } from '../report-file.ts';
import { shardOption } from '../shard-option.ts';
import { defaultWorkers } from '../../matrix/pool.ts';
import { EXHAUSTIVE_DEFAULTS, type ExhaustiveSpec } from '../../matrix/exhaustive.ts';
import { MAX_WORKERS } from '../../sim/explorer/parallel/coordinator.ts';
import { MAX_FAULTS, MAX_WORKLOAD } from '../../sim/explorer/visited.ts';
import type { WorldShape } from '../../sim/world/shape.ts';
import { integerOption, parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { MATRIX_REAL_DRIVERS, unavailable } from '../../real/backends.ts';
import { progress } from '../progress.ts';
import { designOption, DESIGN_USAGE, offerOption, positiveOption, seedOption, shapeOption }
  from '../sim-options.ts';

export const DEFAULT_SEEDS = 40;
export const DEFAULT_STEPS = 2000;
/** Real drivers run real processes and daemons: one seed, a short run, per cell by default. */
export const DEFAULT_REAL_SEEDS = 1;
export const DEFAULT_REAL_STEPS = 120;

/** The built-in models, plus every real driver whose components this machine has; `skipped`
 * says why each other real driver is left out. */
function defaultDrivers(options: { canaries: boolean; real: boolean; design: Design }):
  { drivers: string[]; skipped: string[] } {
  // A canary's bug shows under its own design: --canaries lists the chosen design's.
  const canaries = CANARIES.filter((c) => (c.design ?? 'libvirt') === options.design);
  const drivers = [...BUILTIN_DRIVERS.map((d) => d.name),
    ...(options.canaries ? canaries.map((c) => c.name) : [])];
  const skipped: string[] = [];
  if (!options.real) return { drivers, skipped };
  for (const name of MATRIX_REAL_DRIVERS) {
    const missing = unavailable(name);
    if (missing) skipped.push(`matrix: real driver ${name} skipped: ${missing}`);
    else drivers.push(name);
  }
  return { drivers, skipped };
}

export const matrixCommand: Command = {
  name: 'matrix',
  summary: 'the safety matrix: every driver × (no fault, each fault class alone)',
  usage: [
    'usage: lockchart matrix [--drivers a,b] [--faults none,a,b] [--seeds N] [--steps N]',
    '                        [--seed N] [--shape HxVxD] [--workers N] [--shard i/n]',
    '                        [--canaries] [--traces DIR] [--out FILE] [--out-dir DIR]',
    '                        [--json | --markdown]',
    '       lockchart matrix --exhaustive [--fault-budget F] [--workload W] [--shape HxVxD]',
    '                        [--shards N] …',
    '',
    `Runs ${DEFAULT_SEEDS} seeds × ${DEFAULT_STEPS} steps per cell (defaults) on worker threads and`,
    'prints driver × fault → safe (seeds and steps explored) or violated (invariant, shrunk',
    'trace length and the command that replays the minimal trace).',
    `  faults:    none, ${FAULT_NAMES.join(', ')}`,
    '  --drivers  built-in drivers, or module paths (docs/plugins.md): a module\'s model gets',
    '             simulated cells, its createDriver real cells. By default the models run, and',
    `             the real drivers ${MATRIX_REAL_DRIVERS.join(', ')} where this machine has them;`,
    '             the slower real rows run only when named here: sanlock (private sanlock',
    '             daemons: a minute or two), libvirt-lockd, libvirt-sanlock',
    '  --canaries also run the deliberately broken canary drivers',
    ...DESIGN_USAGE.map((line) => line.replace(/^ {2}--design {5}/, '  --design  ').replace(/^ {15}/, '             ')),
    '             (simulated cells only; rows are named DESIGN:DRIVER)',
    '  --shard    run only every n-th cell (i/n), for CI matrices; join with `lockchart merge`.',
    '             Inside a Kubernetes Indexed Job the shard is JOB_COMPLETION_INDEX of',
    '             JOB_COMPLETIONS unless --shard says otherwise (docs/scale-out.md)',
    '  --traces   where shrunk counterexamples are written (default ./lockchart-traces)',
    '  --out      also write the JSON report to FILE (checked before the run starts)',
    '  --out-dir  also write it into DIR as matrix-I-of-N.json (matrix.json unsharded): the',
    '             shared directory of a sharded run, for `lockchart merge DIR`',
    '  --exhaustive  explore each cell exhaustively instead (lockchart explore): exact state',
    `             counts; default ${exhaustiveDefaults()}`,
    '  --shards   with --exhaustive: shard each cell\'s states over N more worker threads (for',
    '             a large world; --workers still runs that many cells at once)',
    '',
    'Ctrl-C stops the run and prints the cells finished so far (exit 130).',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      drivers: { type: 'string' }, faults: { type: 'string' }, seeds: { type: 'string' },
      steps: { type: 'string' }, seed: { type: 'string' }, shape: { type: 'string' },
      workers: { type: 'string' }, shard: { type: 'string' }, canaries: { type: 'boolean' },
      traces: { type: 'string' }, out: { type: 'string' }, 'out-dir': { type: 'string' },
      json: { type: 'boolean' },
      markdown: { type: 'boolean' }, exhaustive: { type: 'boolean' },
      'fault-budget': { type: 'string' }, workload: { type: 'string' },
      'no-real': { type: 'boolean' }, 'real-seeds': { type: 'string' },
      'real-steps': { type: 'string' }, design: { type: 'string' }, shards: { type: 'string' },
    }, 'matrix');
    if (values.shards !== undefined && !values.exhaustive) {
      throw new CliError('--shards shards an exhaustive cell: use it with --exhaustive');
    }
    if (positionals.length > 0) throw new CliError(`matrix: unexpected argument '${positionals[0]}'`);
    if (values.json && values.markdown) throw new CliError('choose one of --json and --markdown');
    const traceDir = values.traces ?? 'lockchart-traces';
    checkOutputDirectory(traceDir, '--traces');
    if (values.out !== undefined) checkOutputFile(values.out, '--out');
    if (values['out-dir'] !== undefined) checkOutputDirectory(values['out-dir'], '--out-dir');
    const design = designOption(values.design);
    // Real cells run the libvirt design only: no backend has an RFC supervisor.
    const real = values['no-real'] !== true && design === 'libvirt';
    const defaults = defaultDrivers({
      canaries: values.canaries === true, real: !values.exhaustive && real, design,
    });
    const drivers = await matrixDrivers(values.drivers?.split(',') ?? defaults.drivers, {
      exhaustive: values.exhaustive === true, real,
    });
    const columns = columnsOption(values.faults);
    const choice = shardOption(values.shard, process.env);
    const shard = choice?.shard;
    const shape = shapeOption(values.shape);
    const exhaustive = values.exhaustive ? exhaustiveOption(values, shape) : undefined;
    const options = {
      drivers, columns,
      seeds: positiveOption(values.seeds, 'seeds', DEFAULT_SEEDS, 100_000),
      steps: positiveOption(values.steps, 'steps', DEFAULT_STEPS, 1_000_000),
      firstSeed: seedOption(values.seed, 1),
      traceDir,
      workers: positiveOption(values.workers, 'workers', defaultWorkers(), 64),
      real: {
        seeds: positiveOption(values['real-seeds'], 'real-seeds', DEFAULT_REAL_SEEDS, 1000),
        steps: positiveOption(values['real-steps'], 'real-steps', DEFAULT_REAL_STEPS, 100_000),
      },
      ...(shape ? { shape } : {}),
      ...(design !== 'libvirt' ? { design } : {}),
      ...(shard ? { shard } : {}),
      ...(exhaustive ? { exhaustive } : {}),
    };
    if (options.firstSeed + options.seeds - 1 > MAX_SEED) {
      throw new CliError(`--seed ${options.firstSeed} with --seeds ${options.seeds} runs past seed ` +
        `${MAX_SEED} (2^32-1), the last seed there is`);
    }
    // Only once the arguments are known good: bad input gets its one line and nothing else.
    if (values.drivers === undefined) for (const note of defaults.skipped) io.err(note);
    if (choice && choice.source !== '--shard') {
      io.err(`matrix: shard ${choice.shard.index}/${choice.shard.count} (${choice.source})`);
    }
    const bar = progress(io, 'matrix');
    const abort = new AbortController();
    const report = await withInterrupt(() => abort.abort(), () => runMatrix({
      ...options, signal: abort.signal,
    }, (cell, done, total) => bar.update(done, total,
      `${cell.driver} × ${cell.fault}: ${cell.verdict}${cell.invariant ? ` ${cell.invariant}` : ''}` +
      (cell.findings ? `, ${cell.findings.length} real-mode finding(s)` : ''))));
    bar.done();
    if (report.interrupted) {
      io.out(report.cells.length > 0 ? formatText(report) : 'no cell finished');
      const pending = matrixSpecs(options).filter((spec) => !report.cells.some((cell) =>
        cell.driver === (spec.label ?? spec.driver) && cell.fault === spec.fault));
      const prefixes = pending.filter((spec) => spec.real).flatMap((spec) =>
        [...Array(options.real.seeds).keys()].flatMap((k) => {
          const trace = realTracePath(spec, spec.firstSeed + k);
          return trace && existsSync(trace) ? [trace] : [];
        }));
      io.err(`lockchart: matrix interrupted (SIGINT): ${report.cells.length} of ` +
        `${report.cells.length + pending.length} cells done (above); shrunk traces so far are in ` +
        `${traceDir}` + (prefixes.length > 0 ? `; the interrupted real cell's trace so far (a ` +
          `valid prefix): ${prefixes.join(', ')}` : '') +
        (values.out || values['out-dir'] ? `; no report written to ` +
          `${[values.out, values['out-dir']].filter(Boolean).join(' nor ')} (an interrupted run ` +
          'merges with nothing)' : ''));
      return EXIT_INTERRUPTED;
    }
    writeReports(report, 'matrix', report.shard, { out: values.out, outDir: values['out-dir'] });
    if (values.json) io.out(JSON.stringify(toJson(report), null, 2));
    else io.out(values.markdown ? formatMarkdown(report) : formatText(report));
    return 0;
  },
};

/**
 * The matrix's rows: each driver named resolves to what it offers — a simulated row for a
 * service model, a real row for a LockDriver (a module with both gets both: `NAME` and
 * `NAME (real)`).
 */
async function matrixDrivers(specs: readonly string[], options: { exhaustive: boolean;
  real: boolean }): Promise<MatrixDriver[]> {
  const rows: MatrixDriver[] = [];
  for (const spec of specs) {
    const offer = await offerOption(spec);
    if (options.exhaustive && !offer.model) {
      throw new CliError(`--exhaustive explores models; '${offer.name}' is a real driver`);
    }
    if (offer.model) {
      rows.push({ spec, name: offer.name, real: false, replayFlag: driverFlag(offer) });
    }
    if (offer.driver && !options.exhaustive && (options.real || !offer.model)) {
      const missing = unavailable(offer);
      if (missing) throw new CliError(`real driver '${offer.name}' cannot run here: ${missing}`);
      if (offer.driver.family === 'generic' && !offer.reference) {
        throw new CliError(`'${spec}' names no model to compare its driver with: export ` +
          "'reference' or 'model' (docs/plugins.md)");
      }
      const reference = offer.reference?.name;
      rows.push({ spec, name: offer.model ? `${offer.name} (real)` : offer.name, real: true,
        replayFlag: reference !== undefined && builtinDriver(reference) ? '' : driverFlag(offer) });
    }
  }
  const names = rows.map((row) => row.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new CliError(`--drivers: two drivers are named '${twice}'; a row needs a name of its own`);
  return rows;
}

function exhaustiveOption(
  values: { 'fault-budget'?: string | undefined; workload?: string | undefined;
    shards?: string | undefined },
  shape: WorldShape | undefined,
): ExhaustiveSpec {
  const bounded = (text: string | undefined, name: string, fallback: number, max: number) => {
    const value = integerOption(text, name, fallback);
    if (value > max) {
      throw new CliError(`--${name} must be an integer from 0 to ${max}, got '${text}'`);
    }
    return value;
  };
  const defaults = EXHAUSTIVE_DEFAULTS;
  return {
    shape: shape ?? defaults.shape,
    faultBudget: bounded(values['fault-budget'], 'fault-budget', defaults.faultBudget, MAX_FAULTS),
    workload: bounded(values.workload, 'workload', defaults.workload, MAX_WORKLOAD),
    ...(values.shards === undefined ? {}
      : { shards: positiveOption(values.shards, 'shards', 1, MAX_WORKERS) }),
  };
}

function exhaustiveDefaults(): string {
  const { shape, faultBudget, workload } = EXHAUSTIVE_DEFAULTS;
  return `${shape.hosts}x${shape.vms}x${shape.disks}, --fault-budget ${faultBudget}, ` +
    `--workload ${workload}`;
}

function columnsOption(text: string | undefined): Column[] {
  if (text === undefined) return [...ALL_COLUMNS];
  const columns = text.split(',');
  for (const column of columns) {
    if (!ALL_COLUMNS.includes(column as Column)) {
      throw new CliError(`--faults: unknown fault '${column}' (known: ${ALL_COLUMNS.join(', ')})`);
    }
  }
  return columns as Column[];
}
