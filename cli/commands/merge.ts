/** `lockchart merge A.json B.json…`: join sharded matrix reports into one. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CellResult } from '../../matrix/cell.ts';
import { formatMarkdown, formatText, toJson } from '../../matrix/format.ts';
import { cellKeys, type MatrixReport } from '../../matrix/matrix.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { checkOutputFile } from '../output-path.ts';
import { checkReport, sameParams } from '../merge-check.ts';

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge sharded matrix reports (from matrix --out) into one',
  usage: [
    'usage: lockchart merge REPORT.json… [--json | --markdown] [--out FILE]',
    '',
    'Joins the JSON reports written by `lockchart matrix --shard i/n --out FILE` into one',
    'matrix, in the order the unsharded matrix prints it. Every shard 1…n must be there exactly',
    'once, all run with the same parameters; a report that is malformed, interrupted, or has a',
    'cell of another shard or an unknown verdict is refused, with one line saying which.',
    '  --out   also write the merged JSON report to FILE',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' },
      markdown: { type: 'boolean' }, out: { type: 'string' } }, 'merge');
    if (positionals.length === 0) throw new CliError('merge: which reports? (lockchart merge A.json B.json…)');
    if (values.json && values.markdown) throw new CliError('choose one of --json and --markdown');
    if (values.out !== undefined) checkOutputFile(values.out, '--out', { inputs: positionals });
    const reports = positionals.map((path) => ({ path, report: checkReport(path, readReport(path)) }));
    const first = reports[0]!;
    for (const { path, report } of reports.slice(1)) {
      const difference = sameParams(first.report.params, report.params);
      if (difference) {
        throw new CliError(`${path}: run with other parameters than ${first.path} (${difference}); ` +
          'shards of one matrix share every option but --shard');
      }
    }
    const order = cellKeys(first.report.params);
    checkShards(reports, order.length);
    const cells = new Map<string, CellResult>();
    for (const { path, report } of reports) {
      const shard = report.shard ?? { index: 1, count: 1 };
      const expected = new Set(order.filter((_, i) => i % shard.count === shard.index - 1));
      for (const cell of report.cells) {
        const key = `${cell.driver}|${cell.fault}`;
        if (!expected.has(key)) {
          throw new CliError(`${path}: cell ${cell.driver} × ${cell.fault} is not a cell of shard ` +
            `${shard.index}/${shard.count}`);
        }
        if (cells.has(key)) throw new CliError(`${path}: cell ${cell.driver} × ${cell.fault} appears twice`);
        cells.set(key, cell);
        expected.delete(key);
      }
      const missing = [...expected][0];
      if (missing) {
        throw new CliError(`${path}: shard ${shard.index}/${shard.count} lacks cell ` +
          `${missing.replace('|', ' × ')} (${expected.size} missing): an incomplete report`);
      }
    }
    const merged: MatrixReport = {
      ...first.report,
      shard: null,
      cells: order.map((key) => cells.get(key)!),
      ms: Math.max(...reports.map(({ report }) => report.ms)),
    };
    if (values.out) writeReport(values.out, merged);
    if (values.json) io.out(JSON.stringify(toJson(merged), null, 2));
    else io.out(values.markdown ? formatMarkdown(merged) : formatText(merged));
    return 0;
  },
};

/** Every shard 1…n once, all of the same n (or one unsharded report alone). */
function checkShards(reports: ReadonlyArray<{ path: string; report: MatrixReport }>, cells: number):
  void {
  const unsharded = reports.find(({ report }) => report.shard === null);
  if (unsharded) {
    if (reports.length > 1) {
      throw new CliError(`${unsharded.path}: an unsharded report merges with nothing (the others ` +
        'are shards)');
    }
    return;
  }
  const count = reports[0]!.report.shard!.count;
  const seen = new Map<number, string>();
  for (const { path, report } of reports) {
    const shard = report.shard!;
    if (shard.count !== count) {
      throw new CliError(`${path}: shard ${shard.index}/${shard.count}, but ${reports[0]!.path} is ` +
        `one of ${count}`);
    }
    const other = seen.get(shard.index);
    if (other) throw new CliError(`${path}: shard ${shard.index}/${count} is given twice (also ${other})`);
    seen.set(shard.index, path);
  }
  const missing = [...Array(count).keys()].map((i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new CliError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`)
      .join(', ')} missing: the merge would lack ${missing.length === count ? 'every' : 'their'} ` +
      `cells (of ${cells})`);
  }
}

function readReport(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not valid JSON' : (error as NodeJS.ErrnoException).code;
    throw new CliError(`${path}: cannot read matrix report (${why})`);
  }
}

function writeReport(path: string, report: MatrixReport): void {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
