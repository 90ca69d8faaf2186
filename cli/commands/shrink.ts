/** `lockchart shrink FILE`: cut a failing trace down to a minimal one. */
import { replayLenient } from '../../sim/run/replay.ts';
import { shrinkSteps } from '../../sim/run/shrink.ts';
import { describeStep } from '../../sim/steps/index.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { loadTrace, traceDriver } from '../trace-input.ts';
import { checkReplayable } from '../../sim/run/replay.ts';

export const shrinkCommand: Command = {
  name: 'shrink',
  summary: 'shrink a failing trace to a minimal one (fewest steps, then fewest faults)',
  usage: [
    'usage: lockchart shrink FILE [-o OUT] [--driver PATH]',
    '',
    'Delta-debugs the steps of a trace that breaks an invariant, keeping the same invariant',
    'broken, then turns injected failures back into normal completions where it still fails.',
    'Writes the minimal trace to OUT (default: FILE with .min before the extension).',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, { o: { type: 'string', short: 'o' },
      driver: { type: 'string' } }, 'shrink');
    const path = positionals[0];
    const trace = loadTrace(path, 'shrink');
    const driver = await traceDriver(trace, values.driver);
    try {
      checkReplayable(trace.header, driver);
    } catch (error) {
      throw new CliError(`${path}: ${(error as Error).message}`);
    }
    const steps = trace.steps.map((record) => record.step);
    const found = replayLenient(trace.header, driver, steps, { settle: true });
    const target = found.violation ?? found.liveness;
    if (!target) throw new CliError(`${path}: the run breaks no invariant; nothing to shrink`, 1);
    const shrunk = shrinkSteps(trace.header, driver, steps, target);
    const out = values.o ?? path!.replace(/(\.[^./]+)?$/, '.min$1');
    replayLenient({ ...trace.header, origin: 'shrink' }, driver, shrunk.steps,
      { sink: new FileSink(out), settle: target.kind === 'liveness' });
    io.out(`${target.invariant} ${target.checker}: ${steps.length} → ${shrunk.steps.length} steps, ` +
      `${shrunk.faults} fault(s), ${shrunk.tests} replays`);
    shrunk.steps.forEach((step, i) => io.out(`  ${String(i).padStart(3)}  ${describeStep(step)}`));
    io.out(`  ⇒ ${shrunk.violation.message}`);
    io.out(`minimal trace: ${out} (lockchart replay ${out})`);
    return 0;
  },
};
