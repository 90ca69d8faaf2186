/**
 * `lockchart merge` for sweeps (`sim --seeds N --shard i/n --out …`): each report is checked
 * like any input file (they come from other machines), the shards must be every one of the
 * sweep's ranges exactly once, of one set of parameters, and the join is what the unsharded
 * sweep reports (`sweep-report.ts` says why it can be).
 */
import { DESIGNS, isDesign } from '../sim/world/design.ts';
import { FAULT_NAMES } from '../sim/faults/index.ts';
import { INVARIANT_IDS } from '../sim/checkers/index.ts';
import { MAX_SEED } from '../sim/prng.ts';
import { CliError } from './command.ts';
import { checkShardSet, sameParams } from './merge-check.ts';
import { joinParts, seedRange, type SweepParams, type SweepReport } from './sweep-report.ts';

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const count = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const seed = (value: unknown) => count(value) && (value as number) <= MAX_SEED;

function checkParams(path: string, params: unknown): SweepParams {
  const fail = (what: string): never => {
    throw new CliError(`${path}: malformed sweep report: 'params.${what}'`);
  };
  if (!isObj(params)) return fail('') as never;
  if (typeof params['driver'] !== 'string' || params['driver'] === '') fail('driver must name a driver');
  if (typeof params['label'] !== 'string' || params['label'] === '') fail('label must name a driver');
  if (!Array.isArray(params['faults']) ||
    !params['faults'].every((f) => (FAULT_NAMES as readonly unknown[]).includes(f))) {
    fail('faults must list fault classes');
  }
  if (!seed(params['first'])) fail('first must be a seed');
  for (const key of ['seeds', 'steps']) {
    if (!count(params[key]) || (params[key] as number) < 1) fail(`${key} must be a positive count`);
  }
  const shape = params['shape'];
  if (shape !== null && !(isObj(shape) && ['hosts', 'vms', 'disks'].every((k) => count(shape[k])))) {
    fail('shape must be null or { hosts, vms, disks }');
  }
  const invariants = params['invariants'];
  if (invariants !== null && !(Array.isArray(invariants) &&
    invariants.every((id) => (INVARIANT_IDS as readonly unknown[]).includes(id)))) {
    fail('invariants must be null or a list of invariants');
  }
  if (params['design'] !== undefined && !isDesign(params['design'])) {
    fail(`design must be one of ${DESIGNS.join(', ')}`);
  }
  return params as unknown as SweepParams;
}

function checkFinding(path: string, name: string, finding: unknown, range: { first: number;
  last: number }): void {
  if (finding === null) return;
  const fail = (what: string): never => {
    throw new CliError(`${path}: malformed sweep report: '${name}' ${what}`);
  };
  if (!isObj(finding)) fail('must be null or a finding');
  const found = finding as Obj;
  if (!(INVARIANT_IDS as readonly unknown[]).includes(found['invariant'])) {
    fail(`names no invariant (${JSON.stringify(found['invariant'])})`);
  }
  if (!seed(found['seed']) || (found['seed'] as number) < range.first ||
    (found['seed'] as number) > range.last) {
    fail(`is at seed ${JSON.stringify(found['seed'])}, outside the report's seeds ` +
      `${range.first}…${range.last}`);
  }
  if (typeof found['message'] !== 'string') fail("has no 'message'");
}

/** A sweep report, checked; throws one CliError naming the file and the problem. */
export function checkSweepReport(path: string, data: Obj): SweepReport {
  if (data['interrupted'] === true) {
    throw new CliError(`${path}: an interrupted sweep (Ctrl-C): its seeds are incomplete; re-run it`);
  }
  const params = checkParams(path, data['params']);
  const shard = data['shard'];
  if (shard !== null && (!isObj(shard) || !count(shard['index']) || !count(shard['count']) ||
    (shard['index'] as number) < 1 || (shard['index'] as number) > (shard['count'] as number))) {
    throw new CliError(`${path}: malformed sweep report: 'shard' must be null or { index, count } ` +
      'with 1 ≤ index ≤ count');
  }
  const range = seedRange(params, shard as SweepReport['shard']);
  if (data['first'] !== range.first || data['last'] !== range.last) {
    throw new CliError(`${path}: seeds ${String(data['first'])}…${String(data['last'])}, but its ` +
      `shard of seeds ${params.first}…${params.first + params.seeds - 1} is ` +
      `${range.first}…${range.last}: a report edited, or written by another lockchart`);
  }
  if (!count(data['steps'])) throw new CliError(`${path}: malformed sweep report: 'steps' must be a count`);
  checkFinding(path, 'violation', data['violation'], range);
  checkFinding(path, 'liveness', data['liveness'], range);
  const violation = data['violation'] as SweepReport['violation'];
  const liveness = data['liveness'] as SweepReport['liveness'];
  if (violation && liveness && liveness.seed > violation.seed) {
    throw new CliError(`${path}: malformed sweep report: its liveness finding (seed ${liveness.seed}) ` +
      `comes after its violation (seed ${violation.seed})`);
  }
  return data as unknown as SweepReport;
}

/** The shards joined: the report the unsharded sweep gives. */
export function mergeSweeps(reports: ReadonlyArray<{ path: string; report: SweepReport }>): SweepReport {
  const first = reports[0]!;
  for (const { path, report } of reports.slice(1)) {
    const difference = sameParams(first.report.params, report.params);
    if (difference) {
      throw new CliError(`${path}: run with other parameters than ${first.path} (${difference}); ` +
        'shards of one sweep share every option but --shard');
    }
  }
  checkShardSet(reports, 'seeds', first.report.params.seeds);
  const { params } = first.report;
  const parts = reports.map(({ report }) => ({ range: { first: report.first, last: report.last },
    steps: report.steps, violation: report.violation, liveness: report.liveness }));
  return { lockchart: 'sweep', params, shard: null, ...seedRange(params, null), ...joinParts(parts) };
}
