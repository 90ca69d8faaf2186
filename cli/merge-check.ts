/**
 * What `lockchart merge` accepts: a matrix report (`matrix --out`) whose every field it relies
 * on is there and well-formed. Reports come from other machines (CI shards, Kubernetes jobs),
 * so each is checked like any input file: one line naming the file and what is wrong.
 */
import type { CellResult } from '../matrix/cell.ts';
import { ALL_COLUMNS, type MatrixParams, type MatrixReport, type Shard } from '../matrix/matrix.ts';
import { CliError } from './command.ts';

const VERDICTS = ['safe', 'violated', 'n/a'];
const INVARIANT = /^[SFL][1-9]\d*$/;

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const count = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function checkParams(path: string, params: unknown): MatrixParams {
  const fail = (what: string): never => {
    throw new CliError(`${path}: malformed matrix report: 'params.${what}'`);
  };
  if (!isObj(params)) {
    throw new CliError(`${path}: a matrix report without 'params' (written by an older lockchart?): ` +
      're-run the shards');
  }
  if (!Array.isArray(params['drivers']) || params['drivers'].length === 0 ||
    !params['drivers'].every((d) => typeof d === 'string' && d !== '')) fail('drivers must list drivers');
  if (!Array.isArray(params['columns']) || params['columns'].length === 0 ||
    !params['columns'].every((c) => ALL_COLUMNS.includes(c))) fail('columns must list fault columns');
  for (const key of ['seeds', 'steps', 'firstSeed']) if (!count(params[key])) fail(`${key} must be a count`);
  return params as unknown as MatrixParams;
}

function checkCell(path: string, index: number, cell: unknown, params: MatrixParams): CellResult {
  const where = isObj(cell) && typeof cell['driver'] === 'string' && typeof cell['fault'] === 'string'
    ? `cell ${index} (${cell['driver']} × ${cell['fault']})` : `cell ${index}`;
  const fail = (what: string): never => {
    throw new CliError(`${path}: ${where}: ${what}`);
  };
  if (!isObj(cell)) return fail('not an object');
  if (!params.drivers.includes(cell['driver'] as string)) fail(`driver ${JSON.stringify(cell['driver'])} is not one the run was given`);
  if (!params.columns.includes(cell['fault'] as never)) fail(`fault ${JSON.stringify(cell['fault'])} is not one the run was given`);
  if (!VERDICTS.includes(cell['verdict'] as string)) {
    fail(`unknown verdict ${JSON.stringify(cell['verdict'])} (safe, violated or n/a)`);
  }
  for (const key of ['seeds', 'steps']) if (!count(cell[key])) fail(`'${key}' must be a count`);
  if (typeof cell['ms'] !== 'number') fail("'ms' must be a number");
  if (cell['verdict'] === 'violated' && !INVARIANT.test(cell['invariant'] as string)) {
    fail(`a violated cell needs its invariant, got ${JSON.stringify(cell['invariant'])}`);
  }
  for (const key of ['message', 'trace', 'replay']) {
    if (cell[key] !== undefined && typeof cell[key] !== 'string') fail(`'${key}' must be a string`);
  }
  if (cell['findings'] !== undefined && (!Array.isArray(cell['findings']) ||
    !cell['findings'].every((f) => typeof f === 'string'))) fail("'findings' must be a list of strings");
  return cell as unknown as CellResult;
}

/** The report, checked; throws one CliError naming the file and the problem. */
export function checkReport(path: string, data: unknown): MatrixReport {
  if (!isObj(data) || data['lockchart'] !== 'matrix' || !Array.isArray(data['cells'])) {
    throw new CliError(`${path}: not a lockchart matrix report, nor a sweep report (write one ` +
      'with matrix --out FILE, or sim --seeds N --out FILE)');
  }
  if (data['interrupted'] === true) {
    throw new CliError(`${path}: an interrupted run (Ctrl-C): its cells are incomplete; re-run it`);
  }
  const params = checkParams(path, data['params']);
  const shard = data['shard'];
  if (shard !== null && (!isObj(shard) || !count(shard['index']) || !count(shard['count']) ||
    (shard['index'] as number) < 1 || (shard['index'] as number) > (shard['count'] as number))) {
    throw new CliError(`${path}: malformed matrix report: 'shard' must be null or { index, count } ` +
      'with 1 ≤ index ≤ count');
  }
  if (typeof data['ms'] !== 'number') throw new CliError(`${path}: malformed matrix report: 'ms'`);
  data['cells'].forEach((cell, i) => checkCell(path, i, cell, params));
  return data as unknown as MatrixReport;
}

/** The first parameter in which two runs differ, or null when they are shards of one run. */
export function sameParams(a: object, b: object): string | null {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const key of keys) {
    const left = JSON.stringify((a as unknown as Obj)[key] ?? null);
    const right = JSON.stringify((b as unknown as Obj)[key] ?? null);
    if (left !== right) return `${key}: ${left} vs ${right}`;
  }
  return null;
}

/** Every shard 1…n once, all of the same n (or one unsharded report alone). */
export function checkShardSet(
  reports: ReadonlyArray<{ path: string; report: { readonly shard: Shard | null } }>,
  noun: 'cells' | 'seeds', total: number,
): void {
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
      `${noun} (of ${total})`);
  }
}
