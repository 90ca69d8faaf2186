/** `lockchart replay FILE`: reproduce a recorded run exactly, or say where it diverges. */
import { contextFor, ReplayError, replayStrict } from '../../sim/run/replay.ts';
import { stripObserver } from '../../viz/timeline/observer.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import {
  checkInspectTarget, combineObservers, inspectOption, inspectUsage,
} from '../inspect-option.ts';
import { replayReal } from '../real-run.ts';
import { checkOutputFile } from '../output-path.ts';
import { loadTrace, traceDriver } from '../trace-input.ts';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a trace step by step and check it reproduces exactly',
  usage: [
    'usage: lockchart replay FILE [--driver PATH] [--timeline] [--inspect FILE|ws://HOST:PORT]',
    '                             [--json]',
    '       lockchart replay --real ofd|posix|posix-naive|lockd|sanlock|libvirt-lockd|libvirt-sanlock|PATH',
    '                             FILE [--trace OUT] [--keep-going] [--overwrite]',
    '',
    'Rebuilds the world the trace describes, applies every step again and compares the world',
    'digest after each one. A trace recorded with another model version is refused. A trace',
    'cut short by a crash replays as the prefix it is.',
    '  --driver   the module of a user driver (docs/plugins.md); the trace only names it, and a',
    '             module runs only when named here',
    '  --timeline print one line per step as it replays: step, virtual time, a state strip',
    '             (each VM\'s domain on each host, each disk\'s lock), the step, its notes;',
    '             faults and the violation are marked (fits 100 columns)',
    ...inspectUsage(13),
    '  --real     replay the steps against a real driver (real mode): a trace of the driver\'s',
    '             reference model (model-kernel for ofd and posix, model-lockd for lockd,',
    '             model-sanlock for sanlock and libvirt-sanlock, model for libvirt-lockd) or',
    '             of an earlier real run;',
    '             divergences are findings (exit 3). --trace writes the real run\'s own trace',
    '             (--overwrite: even over FILE itself)',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      driver: { type: 'string' }, json: { type: 'boolean' }, timeline: { type: 'boolean' },
      inspect: { type: 'string' }, real: { type: 'string' }, trace: { type: 'string' },
      'keep-going': { type: 'boolean' }, overwrite: { type: 'boolean' },
    }, 'replay');
    if (values.timeline && values.json) {
      throw new CliError('replay: --timeline or --json, not both');
    }
    if (positionals.length > 1) throw new CliError('replay: one trace at a time');
    const trace = loadTrace(positionals[0], 'replay');
    if (values.real !== undefined) {
      if (values.driver !== undefined) {
        throw new CliError('replay --real takes the driver as its value (--real NAME|PATH); drop --driver');
      }
      if (values.trace !== undefined) {
        checkOutputFile(values.trace, '--trace', { inputs: [positionals[0]!],
          ...(values.overwrite ? { overwrite: true } : {}) });
      }
      return replayReal(values.real, trace, io,
        { keepGoing: values['keep-going'], trace: values.trace, file: positionals[0]! });
    }
    if (values.trace || values['keep-going']) {
      throw new CliError('--trace and --keep-going are for --real');
    }
    checkInspectTarget(values.inspect, [positionals[0]!]);
    const driver = await traceDriver(trace, values.driver, positionals[0]!);
    const inspection = await inspectOption(values.inspect);
    const timeline = values.timeline ? stripObserver(contextFor(trace.header, driver), trace.header,
      (line) => io.out(line), { healStart: trace.steps.findIndex((s) => s.heal === true) })
      : undefined;
    let result;
    try {
      result = replayStrict(trace, driver, timeline || inspection
        ? { observer: combineObservers(timeline, inspection?.observer) } : {});
    } catch (error) {
      if (error instanceof ReplayError) throw new CliError(`${positionals[0]}: ${error.message}`, 1);
      throw error;
    } finally {
      await inspection?.sink.close();
    }
    const verdict = result.violation ? `violated ${result.violation.invariant}`
      : result.liveness ? `liveness ${result.liveness.invariant}` : 'safe';
    const recorded = trace.end ? (trace.end.violation ? `violated ${trace.end.violation.invariant}`
      : trace.end.liveness ? `liveness ${trace.end.liveness.invariant}` : 'safe') : null;
    if (values.json) {
      io.out(JSON.stringify({ steps: result.steps, verdict, recorded, truncated: trace.truncated,
        violation: result.violation, liveness: result.liveness }));
    } else {
      io.out(`replayed ${result.steps} steps of ${positionals[0]}: every world digest matches`);
      if (!trace.end) {
        io.out(`  the trace has no end record${trace.truncated ? ' (its last line was cut off)' : ''}: ` +
          'the run did not finish; this is the replayable prefix');
      }
      const found = result.violation ?? result.liveness;
      io.out(`  verdict: ${verdict}${found ? ` — ${found.message}` : ''}`);
    }
    if (recorded !== null && recorded !== verdict) {
      throw new CliError(`${positionals[0]}: the trace recorded '${recorded}' but the replay found '${verdict}'`, 1);
    }
    return 0;
  },
};
