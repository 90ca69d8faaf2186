/** `lockchart explore`: exhaustive, bounded exploration of a small world, with exact counts. */
import { INVARIANT_IDS, type InvariantId } from '../../sim/checkers/index.ts';
import { writeCounterexample } from '../../sim/explorer/counterexample.ts';
import { Explorer, type ExploreOptions, type ExploreResult, type LevelProgress }
  from '../../sim/explorer/explore.ts';
import { exploreJson, formatExplore } from '../../sim/explorer/format.ts';
import { MAX_FAULTS, MAX_WORKLOAD } from '../../sim/explorer/visited.ts';
import { SHAPE_LIMITS } from '../../sim/trace/reader.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { integerOption, parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { designOption, driverOption, faultsOption, offerOption, positiveOption } from '../sim-options.ts';
import { EXIT_LIVENESS, EXIT_SAFETY } from './sim.ts';
import { EXIT_INTERRUPTED, runInterruptibly, withInterrupt, type Interruptible } from '../interrupt.ts';
import { ExploreAborted, exploreParallel, MAX_WORKERS, type ParallelOptions }
  from '../../sim/explorer/parallel/coordinator.ts';
import { checkOutputFile } from '../output-path.ts';
import { driverFlag } from '../../drivers/registry/offer.ts';
import { isLayoutName, LAYOUT_NAMES, LAYOUTS } from '../../sim/world/layouts.ts';
import { createStorage } from '../../sim/world/storage.ts';

/** The default workload budget: small enough to exhaust 2 × 2 × 2 with two faults quickly. */
export const DEFAULT_WORKLOAD = 4;

/** `lockchart explore`. */
export const exploreCommand: Command = {
  name: 'explore',
  summary: 'explore a small world exhaustively (bounded model checking) with exact state counts',
  usage: [
    'usage: lockchart explore [--driver NAME|PATH] [--hosts H] [--domains N] [--disks K]',
    '                         [--faults a,b] [--fault-budget F] [--workload W|unbounded]',
    '                         [--depth D] [--max-states N] [--no-symmetry] [--no-coverage]',
    '                         [--layout NAME] [--invariants S1,S3] [--trace FILE] [--json]',
    '                         [--design libvirt|rfc|rfc-early-shutdown] [--workers N]',
    '                         [--bitstate MB]',
    '',
    'Breadth-first search over every world the statecharts and the driver model can reach:',
    'every workload step, every fault within the budget, every admissible outcome of every',
    'failing call. The simulator\'s checkers judge every transition (S1-S6) and every quiescent',
    'state (S7); the first counterexample is a shortest one.',
    '  --hosts, --domains, --disks   the world (default 2 × 2 × 2)',
    `  --layout        how the VMs share disks: ${LAYOUT_NAMES.join(', ')} (default plain: VM v`,
    '                  boots from disk v, exclusive; the others let two VMs hold one disk at once)',
    '  --fault-budget  faults per behaviour, 0-7 (default 1 with --faults, else 0)',
    `  --workload      workload steps per behaviour, 0-${MAX_WORKLOAD} or unbounded (default ` +
      `${DEFAULT_WORKLOAD}): without`,
    '                  a bound the state space is infinite (docs/explorer.md)',
    '  --depth         steps per behaviour (default unbounded)',
    '  --max-states    stop after storing this many states (default 10,000,000)',
    '  --no-symmetry   do not merge worlds that differ by a permutation of hosts, VMs, disks',
    '  --design        libvirt (default), rfc or rfc-early-shutdown (docs/rfc-design.md); the',
    '                  RFC designs are explored without symmetry',
    '  --trace         write the counterexample (safety first, else liveness) as a trace',
    '  --workers       shard the states over N worker threads by fingerprint (default 1: this',
    '                  thread); every count and counterexample is the same (docs/explorer.md)',
    '  --bitstate      keep states as bits in MB megabytes (SPIN\'s bitstate/supertrace): a',
    '                  partial search for worlds larger than memory; the count is a lower bound',
    '                  and the report estimates the coverage from the fill of the bits',
    '',
    'Ctrl-C stops the search and says how far it got.',
    'Exit status: 0 safe, 129 safety violation, 128 liveness violation, 2 bad input,',
    '130 interrupted.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      driver: { type: 'string' }, hosts: { type: 'string' }, domains: { type: 'string' },
      disks: { type: 'string' }, faults: { type: 'string' }, 'fault-budget': { type: 'string' },
      workload: { type: 'string' }, depth: { type: 'string' }, 'max-states': { type: 'string' },
      'no-symmetry': { type: 'boolean' }, 'no-coverage': { type: 'boolean' },
      invariants: { type: 'string' }, trace: { type: 'string' }, json: { type: 'boolean' },
      design: { type: 'string' },
      layout: { type: 'string' }, workers: { type: 'string' }, bitstate: { type: 'string' },
    }, 'explore');
    if (positionals.length > 0) {
      throw new CliError(`explore: unexpected argument '${positionals[0]}'`);
    }
    const faults = faultsOption(values.faults);
    const shape = {
      hosts: positiveOption(values.hosts, 'hosts', 2, SHAPE_LIMITS.hosts),
      vms: positiveOption(values.domains, 'domains', 2, SHAPE_LIMITS.vms),
      disks: positiveOption(values.disks, 'disks', 2, SHAPE_LIMITS.disks),
    };
    const layout = values.layout ?? 'plain';
    if (!isLayoutName(layout)) {
      throw new CliError(`--layout: unknown layout '${layout}' (known: ${LAYOUT_NAMES.join(', ')})`);
    }
    const options: ExploreOptions = {
      driver: await driverOption(values.driver),
      design: designOption(values.design),
      shape,
      ...(layout === 'plain' ? {} : { definitions: LAYOUTS[layout](shape, createStorage(shape.disks)) }),
      faults,
      faultBudget: rangeOption(values['fault-budget'], 'fault-budget', faults.length > 0 ? 1 : 0,
        MAX_FAULTS),
      ...workloadOption(values.workload),
      ...(values.depth === undefined ? {}
        : { depth: positiveOption(values.depth, 'depth', 1, 10_000) }),
      maxStates: positiveOption(values['max-states'], 'max-states', 10_000_000, 500_000_000),
      ...(values.bitstate === undefined ? {}
        : { bitstate: positiveOption(values.bitstate, 'bitstate', 64, 65_536) * 2 ** 20 }),
      symmetry: !values['no-symmetry'],
      coverage: !values['no-coverage'],
      ...(values.invariants === undefined ? {}
        : { invariants: invariantsOption(values.invariants) }),
    };
    if (values.trace !== undefined) checkOutputFile(values.trace, '--trace');
    const workers = positiveOption(values.workers, 'workers', 1, MAX_WORKERS);
    let level: LevelProgress | null = null;
    const onLevel = (progress: LevelProgress) => {
      level = progress;
      // A CI log (no terminal) sees the search advance, a level at a time.
      if (!io.isTty) {
        io.err(`explore depth ${progress.depth} finished: ` +
          `${progress.states.toLocaleString('en-US')} states, ` +
          `${progress.transitions.toLocaleString('en-US')} transitions, ` +
          `${progress.frontier.toLocaleString('en-US')} on the frontier`);
      }
    };
    const explorer = new Explorer({ ...options, onLevel });
    const started = performance.now();
    const run = workers > 1
      ? await exploreOnWorkers({ ...options, onLevel, workers, driverSpec: values.driver })
      : runInterruptibly(() => explorer.run());
    const ms = performance.now() - started;
    if (run.interrupted) {
      const reached = level as LevelProgress | null;
      const stored = workers > 1 ? (reached?.states ?? 0) : explorer.visited.size;
      io.err(`lockchart: explore interrupted (SIGINT) after ${(ms / 1000).toFixed(1)} s: ` +
        `${stored.toLocaleString('en-US')} states stored` +
        (reached ? `, depth ${reached.depth} finished (${reached.transitions.toLocaleString('en-US')} ` +
          'transitions)' : ', no depth finished') + ', no violation found so far' +
        (values.trace ? `; no trace written to ${values.trace} (a counterexample is written ` +
          'when one is found)' : ''));
      return EXIT_INTERRUPTED;
    }
    const result = run.value;
    const finding = result.violation ?? result.liveness;
    if (values.trace && finding) {
      writeCounterexample(explorer.ctx, { ...options, definitions: result.definitions },
        finding.steps, finding.violation.kind, new FileSink(values.trace));
    }
    const summary = { options, result, ms, heapBytes: process.memoryUsage().heapUsed,
      ...(values.trace && finding ? { trace: values.trace } : {}),
      replayFlag: driverFlag(await offerOption(values.driver)) };
    if (values.json) io.out(JSON.stringify(exploreJson(summary)));
    else for (const line of formatExplore(summary)) io.out(line);
    if (values.trace && !finding && !values.json) {
      io.out(`  ${'trace'.padEnd(12)} none written to ${values.trace}: nothing was violated`);
    }
    if (result.violation) return EXIT_SAFETY;
    return result.liveness ? EXIT_LIVENESS : 0;
  },
};

/** The search on shards (`sim/explorer/parallel/`); Ctrl-C stops it between two levels. */
async function exploreOnWorkers(options: ParallelOptions): Promise<Interruptible<ExploreResult>> {
  const abort = new AbortController();
  try {
    const value = await withInterrupt(() => abort.abort(),
      () => exploreParallel({ ...options, signal: abort.signal }));
    return { interrupted: false, value };
  } catch (error) {
    if (error instanceof ExploreAborted) return { interrupted: true };
    throw error;
  }
}

function rangeOption(text: string | undefined, name: string, fallback: number, max: number) {
  const value = integerOption(text, name, fallback);
  if (value > max) {
    throw new CliError(`--${name} must be an integer from 0 to ${max}, got '${text}'`);
  }
  return value;
}

function workloadOption(text: string | undefined): { workload?: number } {
  if (text === 'unbounded') return {};
  return { workload: rangeOption(text, 'workload', DEFAULT_WORKLOAD, MAX_WORKLOAD) };
}

function invariantsOption(text: string): InvariantId[] {
  return text.split(',').map((id) => {
    if (!(INVARIANT_IDS as readonly string[]).includes(id)) {
      throw new CliError(`--invariants: unknown invariant '${id}' (known: ${INVARIANT_IDS.join(', ')})`);
    }
    return id as InvariantId;
  });
}
