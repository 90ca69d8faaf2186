/** `lockchart scenario FILE…`: run regression scenarios and compare with their expectations. */
import { ScenarioError } from '../../sim/scenario/parse.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { parse } from '../args.ts';
import { checkOutputFile } from '../output-path.ts';
import { CliError, type Command } from '../command.ts';

export const scenarioCommand: Command = {
  name: 'scenario',
  summary: 'run scenario files (edge cases with expected verdicts)',
  usage: [
    'usage: lockchart scenario FILE… [--trace FILE] [--driver PATH] [--json] [--overwrite]',
    '',
    'Each scenario names a driver, a world, explicit steps and faults, and an expected verdict',
    '(see scenarios/*.scenario and docs/scenarios.md). Exit status 1 when any does not match.',
    '  --trace      write the trace of the (single) scenario to FILE',
    '  --driver     the module of a user driver a scenario names (docs/plugins.md): a scenario',
    '               only names a driver, and a module runs only when named here',
    '  --overwrite  allow --trace to name a scenario file itself',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, { trace: { type: 'string' }, json: { type: 'boolean' },
      driver: { type: 'string' }, overwrite: { type: 'boolean' } }, 'scenario');
    if (positionals.length === 0) throw new CliError('scenario: which file(s)? (lockchart scenario FILE…)');
    if (values.trace && positionals.length > 1) throw new CliError('--trace takes one scenario');
    if (values.trace !== undefined) {
      checkOutputFile(values.trace, '--trace', { inputs: positionals,
        ...(values.overwrite ? { overwrite: true } : {}) });
    }
    let failed = 0;
    for (const path of positionals) {
      let result;
      try {
        const trace = values.trace;
        result = await runScenario(loadScenario(path), trace ? () => new FileSink(trace) : undefined,
          values.driver === undefined ? {} : { driver: values.driver });
      } catch (error) {
        if (error instanceof ScenarioError) throw new CliError(error.message);
        throw error;
      }
      if (!result.passed) failed++;
      io.out(values.json
        ? JSON.stringify({ file: path, name: result.scenario.name, passed: result.passed,
          found: result.found, message: result.message, steps: result.steps })
        : `${result.passed ? 'PASS' : 'FAIL'}  ${result.scenario.name}  (${path}) — ${result.message}`);
    }
    return failed === 0 ? 0 : 1;
  },
};
