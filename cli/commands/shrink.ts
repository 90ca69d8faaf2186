/** `lockchart shrink FILE`: cut a failing trace down to a minimal one. */
import { replayLenient } from '../../sim/run/replay.ts';
import { shrinkSteps } from '../../sim/run/shrink.ts';
import { describeStep } from '../../sim/steps/index.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { loadTrace, traceDriver } from '../trace-input.ts';
import { checkReplayable, ReplayError, replayStrict } from '../../sim/run/replay.ts';
import { checkOutputFile } from '../output-path.ts';
import { shellWord } from '../../drivers/registry/offer.ts';

export const shrinkCommand: Command = {
  name: 'shrink',
  summary: 'shrink a failing trace to a minimal one (fewest steps, then fewest faults)',
  usage: [
    'usage: lockchart shrink FILE [-o OUT] [--driver PATH] [--overwrite]',
    '',
    'Replays the trace strictly first (a trace that does not reproduce is refused, as replay',
    'refuses it), then delta-debugs its steps, keeping the same invariant broken, then turns',
    'injected failures back into normal completions where it still fails. Writes the minimal',
    'trace to OUT (default: FILE with .min before the extension).',
    '  --driver     the module of a user driver (docs/plugins.md); the trace only names it',
    '  --overwrite  allow -o to name the trace itself',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, { o: { type: 'string', short: 'o' },
      driver: { type: 'string' }, overwrite: { type: 'boolean' } }, 'shrink');
    if (positionals.length > 1) throw new CliError('shrink: one trace at a time');
    const path = positionals[0];
    const trace = loadTrace(path, 'shrink');
    const out = values.o ?? path!.replace(/(\.[^./]+)?$/, '.min$1');
    checkOutputFile(out, values.o === undefined ? 'shrink' : '-o',
      { inputs: [path!], ...(values.overwrite ? { overwrite: true } : {}) });
    const driver = await traceDriver(trace, values.driver, path!);
    try {
      checkReplayable(trace.header, driver);
      // What replay refuses, shrink refuses: a tampered trace is not a counterexample.
      replayStrict(trace, driver);
    } catch (error) {
      if (error instanceof ReplayError) throw new CliError(`${path}: ${error.message}`, 1);
      throw error;
    }
    const steps = trace.steps.map((record) => record.step);
    const found = replayLenient(trace.header, driver, steps, { settle: true });
    const target = found.violation ?? found.liveness;
    if (!target) throw new CliError(`${path}: the run breaks no invariant; nothing to shrink`, 1);
    const shrunk = shrinkSteps(trace.header, driver, steps, target);
    replayLenient({ ...trace.header, origin: 'shrink' }, driver, shrunk.steps,
      { sink: new FileSink(out), settle: target.kind === 'liveness' });
    io.out(`${target.invariant} ${target.checker}: ${steps.length} → ${shrunk.steps.length} steps, ` +
      `${shrunk.faults} fault(s), ${shrunk.tests} replays`);
    shrunk.steps.forEach((step, i) => io.out(`  ${String(i).padStart(3)}  ${describeStep(step)}`));
    io.out(`  ⇒ ${shrunk.violation.message}`);
    const flag = values.driver === undefined ? '' : ` --driver ${shellWord(values.driver)}`;
    io.out(`minimal trace: ${out} (lockchart replay ${shellWord(out)}${flag})`);
    return 0;
  },
};
