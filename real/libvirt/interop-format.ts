/**
 * The interop matrix as text (pure): one row per driver × mode × spelling, one column per
 * pairing × direction. ✓ = the second party was refused; ✗ = an exclusive disk was granted
 * twice. Required cells (`same`) that show ✗ fail the run; other ✗ are findings.
 */
import {
  DIRECTIONS,
  PAIRINGS,
  required,
  SPELLINGS,
  type InteropResult,
  type Pairing,
} from './interop-cases.ts';

const PAIRING_TITLES: Readonly<Record<Pairing, string>> = {
  same: 'same spelling',
  'lockchart-alias': 'lockchart alias, libvirt as written',
  'libvirt-alias': 'libvirt alias, lockchart as written',
};

function mark(result: InteropResult | undefined): string {
  if (!result) return '—';
  if (result.outcome === 'excluded') return '✓';
  if (result.outcome === 'granted twice') return '✗ twice';
  return 'error';
}

/** The markdown table. */
export function interopMarkdown(results: readonly InteropResult[]): string {
  const columns = PAIRINGS.flatMap((pairing) => DIRECTIONS.map((direction) => ({ pairing,
    direction, title: `${PAIRING_TITLES[pairing]}: ${direction === 'lockchart first' ? 'L→V' : 'V→L'}` })));
  const lines = [
    `| driver | mode | spelling | ${columns.map((column) => column.title).join(' | ')} |`,
    `|---|---|---|${columns.map(() => ':-:').join('|')}|`,
  ];
  const rows = new Map<string, InteropResult[]>();
  for (const result of results) {
    const key = `${result.driver}\0${result.mode}\0${result.spelling}`;
    rows.set(key, [...(rows.get(key) ?? []), result]);
  }
  for (const [key, row] of rows) {
    const [driver, mode, spelling] = key.split('\0') as [string, string, string];
    const cells = columns.map((column) => mark(row.find((r) => r.pairing === column.pairing &&
      r.direction === column.direction)));
    const name = driver === 'libvirt' ? 'libvirt (baseline)' : driver;
    lines.push(`| ${name} | ${mode} | \`${spelling}\` | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** What a run must show: every required cell excluded. */
export function requiredFailures(results: readonly InteropResult[]): InteropResult[] {
  return results.filter((result) => required(result) && result.outcome !== 'excluded');
}

/** Cross cells that granted twice (findings: spellings libvirt cannot protect). */
export function crossFindings(results: readonly InteropResult[]): InteropResult[] {
  return results.filter((result) => !required(result) && result.outcome !== 'excluded');
}

/** A one-line summary. */
export function interopSummary(results: readonly InteropResult[]): string {
  const failures = requiredFailures(results).length;
  const findings = crossFindings(results).length;
  const errors = results.filter((result) => result.outcome.startsWith('error')).length;
  return `${results.length} contests: ${failures} required exclusion(s) failed, ` +
    `${findings} cross-spelling grant(s) twice (findings)${errors > 0 ? `, ${errors} error(s)` : ''}`;
}

export { SPELLINGS };
