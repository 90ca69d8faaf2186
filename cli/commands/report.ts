/** `lockchart report TRACE -o FILE`: one self-contained HTML page to explore a trace. */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ReplayError } from '../../sim/run/replay.ts';
import { buildReport } from '../../viz/report/build.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { checkOutputFile } from '../output-path.ts';
import { loadTrace, traceDriver } from '../trace-input.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: 'write a trace as one self-contained HTML page: timeline, statecharts, search',
  usage: [
    'usage: lockchart report FILE [-o OUT.html] [--driver PATH] [--title TEXT] [--overwrite]',
    '',
    'Replays the trace strictly and writes one HTML file (no network needed to open it): a lane',
    'per host, libvirtd domain, QEMU process, lock daemon and disk; lock bars by mode; faults,',
    'writes and the violation marked; click a step for every statechart at that step. Keys:',
    'j/k step, f/F fault, v/V violation, n/N search match, / search (a VM name or a disk).',
    'A trace cut short by a crash shows as the prefix it is, with a note saying so.',
    '  -o FILE    where to write (default: the trace name with .html)',
    '  --driver   the module of a user driver (docs/plugins.md); the trace only names it, and a',
    '             module runs only when named here',
    '  --overwrite  allow -o to name the trace itself',
    '  --title    the page title (default: the trace file name)',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      output: { type: 'string', short: 'o' }, driver: { type: 'string' }, title: { type: 'string' },
      overwrite: { type: 'boolean' },
    }, 'report');
    if (positionals.length > 1) throw new CliError('report: one trace at a time');
    const file = positionals[0];
    const trace = loadTrace(file, 'report');
    const output = values.output ?? `${file!.replace(/\.jsonl?$/, '')}.html`;
    checkOutputFile(output, values.output === undefined ? 'report' : '-o',
      { inputs: [file!], ...(values.overwrite ? { overwrite: true } : {}) });
    const driver = await traceDriver(trace, values.driver, file!);
    let report;
    try {
      report = await buildReport(trace, driver, values.title ?? basename(file!));
    } catch (error) {
      if (error instanceof ReplayError) throw new CliError(`${file}: ${error.message}`, 1);
      throw error;
    }
    try {
      writeFileSync(output, report.html);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new CliError(`${output}: cannot write the report (${code})`);
    }
    const { data } = report;
    const found = data.verdict.violation ?? data.verdict.liveness;
    io.out(`report: ${output} (${data.steps} steps, ${found ? `${found.invariant} at step ` +
      `${found.step}` : data.verdict.kind}${data.truncated ? ', truncated trace' : ''})`);
    return 0;
  },
};
