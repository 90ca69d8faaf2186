/** `lockchart merge A.json B.json… | DIR`: join the shards of a matrix, or of a sweep, into one. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CellResult } from '../../matrix/cell.ts';
import { formatMarkdown, formatText, toJson } from '../../matrix/format.ts';
import { cellKeys, type MatrixReport } from '../../matrix/matrix.ts';
import { parse } from '../args.ts';
import { CliError, type Command, type CommandIo } from '../command.ts';
import { checkOutputFile } from '../output-path.ts';
import { checkReport, checkShardSet, sameParams } from '../merge-check.ts';
import { writeReport } from '../report-file.ts';
import { checkSweepReport, mergeSweeps } from '../sweep-merge.ts';
import { printSweep, sweepExitCode, sweepJson } from '../sweep-report.ts';

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge the shards of a matrix or of a sweep (matrix/sim --out) into one',
  usage: [
    'usage: lockchart merge REPORT.json… | DIR… [--json | --markdown] [--out FILE]',
    '',
    'Joins the JSON reports written by `lockchart matrix --shard i/n --out FILE` into one',
    'matrix, in the order the unsharded matrix prints it; or those of `lockchart sim --seeds N',
    '--shard i/n --out FILE` into the sweep the unsharded run reports (and exits as it does:',
    '129 a safety violation, 128 a liveness one). A directory stands for every *.json in it',
    '(what --out-dir writes). Every shard 1…n must be there exactly once, all run with the',
    'same parameters; a report that is malformed, interrupted, or has a cell of another shard or',
    'an unknown verdict is refused, with one line saying which.',
    '  --out   also write the merged JSON report to FILE',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' },
      markdown: { type: 'boolean' }, out: { type: 'string' } }, 'merge');
    if (positionals.length === 0) {
      throw new CliError('merge: which reports? (lockchart merge A.json B.json…, or a directory)');
    }
    if (values.json && values.markdown) throw new CliError('choose one of --json and --markdown');
    const files = positionals.flatMap(reportFiles);
    if (values.out !== undefined) checkOutputFile(values.out, '--out', { inputs: files });
    const loaded = files.map((path) => ({ path, data: readReport(path) }));
    const sweeps = loaded.filter(({ data }) => isSweep(data));
    if (sweeps.length > 0 && sweeps.length < loaded.length) {
      const other = loaded.find(({ data }) => !isSweep(data))!;
      throw new CliError(`${other.path}: not a sweep report like ${sweeps[0]!.path}: merge the ` +
        'shards of one run at a time');
    }
    if (sweeps.length > 0) {
      if (values.markdown) throw new CliError('--markdown is for matrix reports; a sweep has --json');
      const merged = mergeSweeps(sweeps.map(({ path, data }) =>
        ({ path, report: checkSweepReport(path, data as Record<string, unknown>) })));
      if (values.out) writeReport(values.out, merged);
      if (values.json) io.out(JSON.stringify(sweepJson(merged)));
      else printSweep(merged, `merged from ${sweeps.length} report(s)`, io);
      return sweepExitCode(merged);
    }
    mergeMatrix(loaded.map(({ path, data }) => ({ path, report: checkReport(path, data) })),
      { json: values.json === true, markdown: values.markdown === true, out: values.out }, io);
    return 0;
  },
};

function mergeMatrix(reports: ReadonlyArray<{ path: string; report: MatrixReport }>,
  options: { json: boolean; markdown: boolean; out: string | undefined }, io: CommandIo): void {
  const first = reports[0]!;
  for (const { path, report } of reports.slice(1)) {
    const difference = sameParams(first.report.params, report.params);
    if (difference) {
      throw new CliError(`${path}: run with other parameters than ${first.path} (${difference}); ` +
        'shards of one matrix share every option but --shard');
    }
  }
  const order = cellKeys(first.report.params);
  checkShardSet(reports, 'cells', order.length);
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
  if (options.out) writeReport(options.out, merged);
  if (options.json) io.out(JSON.stringify(toJson(merged), null, 2));
  else io.out(options.markdown ? formatMarkdown(merged) : formatText(merged));
}

const isSweep = (data: unknown) => typeof data === 'object' && data !== null &&
  (data as { lockchart?: unknown }).lockchart === 'sweep';

/** A report file as given, or every *.json in a directory (`--out-dir`), in name order. */
function reportFiles(path: string): string[] {
  let directory = false;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    return [path]; // readReport says what is wrong with it
  }
  if (!directory) return [path];
  const files = readdirSync(path).filter((name) => name.endsWith('.json') && !name.startsWith('.'))
    .sort().map((name) => join(path, name));
  if (files.length === 0) {
    throw new CliError(`${path}: a directory without reports (*.json): did the shards write ` +
      'there (--out-dir)?');
  }
  return files;
}

function readReport(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not valid JSON' : (error as NodeJS.ErrnoException).code;
    throw new CliError(`${path}: cannot read report (${why})`);
  }
}
