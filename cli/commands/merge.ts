/** `lockchart merge A.json B.json…`: join sharded matrix reports into one. */
import { readFileSync } from 'node:fs';
import type { CellResult } from '../../matrix/cell.ts';
import { formatMarkdown, formatText, toJson } from '../../matrix/format.ts';
import type { MatrixReport } from '../../matrix/matrix.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge sharded matrix reports (from matrix --out) into one',
  usage: [
    'usage: lockchart merge REPORT.json… [--json | --markdown]',
    '',
    'Joins the JSON reports written by `lockchart matrix --shard i/n --out FILE` into one',
    'matrix. Two reports that disagree about a cell are an error.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' }, markdown: { type: 'boolean' } },
      'merge');
    if (positionals.length === 0) throw new CliError('merge: which reports? (lockchart merge A.json B.json…)');
    const cells = new Map<string, CellResult>();
    let ms = 0;
    let first: MatrixReport | null = null;
    for (const path of positionals) {
      const report = readReport(path);
      first ??= report;
      ms = Math.max(ms, report.ms);
      for (const cell of report.cells) {
        const key = `${cell.driver}|${cell.fault}`;
        const seen = cells.get(key);
        if (seen && seen.verdict !== cell.verdict) {
          throw new CliError(`${path}: cell ${cell.driver} × ${cell.fault} is ${cell.verdict} here ` +
            `but ${seen.verdict} in an earlier report`);
        }
        if (!seen) cells.set(key, cell);
      }
    }
    const merged: MatrixReport = { ...first!, shard: null, cells: [...cells.values()], ms };
    if (values.json) io.out(JSON.stringify(toJson(merged), null, 2));
    else io.out(values.markdown ? formatMarkdown(merged) : formatText(merged));
    return 0;
  },
};

function readReport(path: string): MatrixReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not valid JSON' : (error as NodeJS.ErrnoException).code;
    throw new CliError(`${path}: cannot read matrix report (${why})`);
  }
  const report = data as Partial<MatrixReport>;
  if (report.lockchart !== 'matrix' || !Array.isArray(report.cells)) {
    throw new CliError(`${path}: not a lockchart matrix report (write one with matrix --out FILE)`);
  }
  return report as MatrixReport;
}
