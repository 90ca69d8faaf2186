/** The safety matrix as text, Markdown and JSON. */
import type { CellResult } from './cell.ts';
import type { MatrixReport } from './matrix.ts';

const n = (value: number) => value.toLocaleString('en-US');

export function cellSummary(cell: CellResult): string {
  const findings = cell.findings ? ` — REAL MODE FINDINGS: ${cell.findings.join('; ')}` : '';
  if (cell.verdict === 'n/a') return cell.message ?? 'not applicable';
  if (cell.states !== undefined) return exhaustiveSummary(cell);
  if (cell.verdict === 'violated' && cell.real) {
    return `${cell.invariant} at seed ${cell.seed} (real mode)${findings}` +
      (cell.replay ? ` — ${cell.replay}` : '');
  }
  if (cell.verdict === 'violated') {
    return `${cell.invariant} — shrunk to ${cell.shrunk} steps (${cell.shrunkFaults} fault` +
      `${cell.shrunkFaults === 1 ? '' : 's'}), seed ${cell.seed}` +
      (cell.replay ? ` — ${cell.replay}` : '');
  }
  const liveness = cell.liveness ? `; liveness ${cell.liveness.invariant}: ${cell.liveness.message}` +
    ` (seed ${cell.liveness.seed})` : '';
  return `${cell.seeds} seeds, ${n(cell.steps)} steps${cell.real ? ' (real mode)' : ''}` +
    `${cell.unjudged ? ` (${cell.unjudged})` : ''}${liveness}${findings}`;
}

/** An exhaustive cell: its shortest counterexample, or its exact number of states. */
function exhaustiveSummary(cell: CellResult): string {
  if (cell.verdict === 'violated') {
    return `${cell.invariant} — shortest run ${cell.shrunk} steps (${cell.shrunkFaults} fault` +
      `${cell.shrunkFaults === 1 ? '' : 's'}), exhaustive` +
      (cell.replay ? ` — ${cell.replay}` : '');
  }
  const liveness = cell.liveness
    ? `; liveness ${cell.liveness.invariant}: ${cell.liveness.message}` : '';
  const exhausted = cell.exhausted ? 'exhausted' : 'NOT exhausted (state cap)';
  return `${n(cell.states!)} states, ${exhausted}${liveness}`;
}

function exhaustiveBounds(bounds: NonNullable<MatrixReport['exhaustive']>): string {
  const { hosts, vms, disks } = bounds.shape;
  return `(exhaustive: ${hosts}x${vms}x${disks}, fault budget ${bounds.faultBudget}, ` +
    `workload ≤ ${bounds.workload}`;
}

export function formatText(report: MatrixReport): string {
  const width = Math.max(...report.cells.map((cell) => cell.driver.length), 6);
  const lines = [`${'driver'.padEnd(width)}  ${'fault'.padEnd(16)}  verdict   detail`];
  for (const cell of report.cells) {
    const verdict = cell.verdict === 'violated' ? 'VIOLATED' : cell.findings ? 'FINDING '
      : cell.verdict === 'n/a' ? 'n/a     ' : 'safe    ';
    lines.push(`${cell.driver.padEnd(width)}  ${cell.fault.padEnd(16)}  ${verdict}  ${cellSummary(cell)}`);
  }
  lines.push(`${report.cells.length} cells in ${(report.ms / 1000).toFixed(1)} s ` +
    (report.exhaustive ? exhaustiveBounds(report.exhaustive)
      : `(${report.seeds} seeds × ${n(report.steps)} steps per safe cell`) +
    `${report.shard ? `, shard ${report.shard.index}/${report.shard.count}` : ''})`);
  return lines.join('\n');
}

/** Faults down, drivers across. */
export function formatMarkdown(report: MatrixReport): string {
  const drivers = [...new Set(report.cells.map((cell) => cell.driver))];
  const faults = [...new Set(report.cells.map((cell) => cell.fault))];
  const lines = [`| fault | ${drivers.join(' | ')} |`, `|---|${drivers.map(() => '---').join('|')}|`];
  for (const fault of faults) {
    const row = drivers.map((driver) => {
      const cell = report.cells.find((c) => c.driver === driver && c.fault === fault);
      if (!cell) return '';
      if (cell.verdict === 'n/a') return 'n/a';
      const found = cell.findings ? ` ⚠ ${cell.findings.length} finding(s)` : '';
      if (cell.verdict === 'violated') {
        return `**violated** ${cell.invariant} (${cell.shrunk ?? 'real'} steps)${found}`;
      }
      const size = cell.states === undefined ? `${cell.seeds} seeds` : `${n(cell.states)} states`;
      return `safe (${size})${cell.liveness ? ` ~${cell.liveness.invariant}` : ''}${found}`;
    });
    lines.push(`| ${fault} | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * One object per cell. Timings are left out (they are in `matrix --out`'s full report): a cell's
 * result is otherwise a function of its parameters, so a sharded run merged and the unsharded run
 * print the same JSON.
 */
export function toJson(report: MatrixReport): object[] {
  return report.cells.map(({ ms: _ms, ...cell }) => ({
    driver: cell.driver,
    fault: cell.fault,
    verdict: cell.verdict,
    ...(cell.invariant ? { invariant: cell.invariant } : {}),
    steps: cell.verdict === 'violated' ? cell.shrunk : cell.steps,
    seeds: cell.seeds,
    ...(cell.states !== undefined ? { states: cell.states } : {}),
    ...(cell.trace ? { trace: cell.trace } : {}),
    ...(cell.findings ? { findings: cell.findings } : {}),
    detail: cell,
  }));
}
