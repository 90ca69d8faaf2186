/**
 * An exploration's report, as text lines and as JSON: counts, bounds, speed and memory (the
 * caller measures time and heap), the verdicts, coverage with what was never reached, and the
 * breakdown of the state space.
 */
import { describeStep } from '../steps/index.ts';
import type { CoverageCount, CoverageReport } from './coverage.ts';
import type { ExploreOptions, ExploreResult, Finding } from './explore.ts';
import type { BitstateReport } from './bitstate.ts';

/** An exploration with what the caller measured around it. */
export interface ExploreSummary {
  readonly options: ExploreOptions;
  readonly result: ExploreResult;
  /** Wall time of the exploration. */
  readonly ms: number;
  /** Heap in use after it (when measured). */
  readonly heapBytes?: number;
  /** Where the counterexample trace was written. */
  readonly trace?: string;
  /** What its replay command needs besides the file (` --driver PATH` for a module). */
  readonly replayFlag?: string;
}

const n = (value: number) => value.toLocaleString('en-US');

/** States stored per second of wall time. */
export function statesPerSecond(summary: ExploreSummary): number {
  return summary.result.states / Math.max(summary.ms / 1000, 1e-9);
}

/** Bytes of the visited set and the BFS tree per stored state. */
export function bytesPerState(result: ExploreResult): number {
  return (result.bytes.visited + result.bytes.tree) / Math.max(result.states, 1);
}

/** The chance that two of the stored states share a 64-bit fingerprint (n² / 2⁶⁵). */
export function collisionChance(states: number): number {
  return (states * states) / 2 ** 65;
}

function bounds(options: ExploreOptions): string {
  const parts = [`faults ${options.faults.join(',') || 'none'} (budget ${options.faultBudget})`,
    `workload ${options.workload === undefined ? 'unbounded' : `≤ ${options.workload}`}`];
  if (options.depth !== undefined) parts.push(`depth ≤ ${options.depth}`);
  return parts.join(', ');
}

function stopLine(result: ExploreResult, options: ExploreOptions): string {
  switch (result.stop) {
    case 'exhausted':
      return result.bitstate
        ? 'frontier empty: a bitstate search, partial (states taken for visited were not expanded)'
        : 'exhausted: every behaviour within the bounds was explored';
    case 'depth':
      return `stopped at depth ${options.depth}: deeper behaviours were not explored`;
    case 'max-states':
      return `stopped at the cap of ${n(options.maxStates ?? result.states)} states: not exhausted`;
    case 'violation':
      return 'stopped at the first safety violation (a shortest one)';
  }
}

function findingLines(label: string, finding: Finding, trace: string | undefined,
  replayFlag = ''): string[] {
  const { violation, steps } = finding;
  const length = `${steps.length} step${steps.length === 1 ? '' : 's'}`;
  const lines = [`  ${label.padEnd(12)} VIOLATED ${violation.invariant} ${violation.checker} ` +
    `after ${length} (shortest): ${violation.message}`];
  steps.forEach((step, i) => lines.push(`    ${String(i).padStart(3)}  ${describeStep(step)}`));
  if (trace) lines.push(`  ${'trace'.padEnd(12)} ${trace} (lockchart replay ${trace}${replayFlag})`);
  return lines;
}

function coverageLines(coverage: CoverageReport): string[] {
  const entries: [string, CoverageCount][] = [
    ['domain states', coverage.domainStates],
    ['domain transitions', coverage.domainTransitions],
    ['process states', coverage.processStates],
    ['process transitions', coverage.processTransitions],
    ['fault × domain state', coverage.faultCells],
  ];
  const counts = entries.map(([name, c]) => `${name} ${c.reached}/${c.total}`);
  const lines = [`  ${'coverage'.padEnd(12)} ${counts.join('; ')}`];
  for (const [name, count] of entries) {
    if (count.missing.length === 0) continue;
    lines.push(`    never reached, ${name}: ${count.missing.join(', ')}`);
  }
  return lines;
}

/** The report as text lines. */
export function formatExplore(summary: ExploreSummary): string[] {
  const { options, result } = summary;
  const shape = options.shape;
  const seconds = summary.ms / 1000;
  const lines = [
    `lockchart explore: ${options.driver.name} on ${shape.hosts} hosts × ${shape.vms} domains × ` +
      `${shape.disks} disks; ${bounds(options)}`,
    `  ${'explored'.padEnd(12)} ${n(result.states)} states (${n(result.expansions)} expanded), ` +
      `${n(result.transitions)} transitions, depth ${result.depth}`,
    `  ${'bound'.padEnd(12)} ${stopLine(result, options)}`,
    `  ${'reduction'.padEnd(12)} ${result.raw
      ? 'none: the driver model cannot rename pids (raw pids)'
      : `pids renumbered; symmetry group of ${result.symmetries}`}` +
      `; fingerprint collision chance ≈ ${collisionChance(result.states).toExponential(1)}`,
    `  ${'speed'.padEnd(12)} ${n(Math.round(statesPerSecond(summary)))} states/s, ` +
      `${n(Math.round(result.transitions / Math.max(seconds, 1e-9)))} transitions/s ` +
      `(${seconds.toFixed(1)} s)`,
    `  ${'memory'.padEnd(12)} ${bytesPerState(result).toFixed(1)} bytes/state (visited set ` +
      `${(result.bytes.visited / 1e6).toFixed(1)} MB, tree ` +
      `${(result.bytes.tree / 1e6).toFixed(1)} MB)` +
      (summary.heapBytes === undefined ? '' : `; heap ${(summary.heapBytes / 1e6).toFixed(0)} MB`),
  ];
  if (result.bitstate) lines.push(...bitstateLines(result.bitstate));
  if (result.violation) {
    lines.push(...findingLines('safety', result.violation, summary.trace, summary.replayFlag));
  }
  else lines.push(`  ${'safety'.padEnd(12)} ${result.exhausted ? 'safe' : 'no violation so far'}`);
  if (result.liveness) {
    const trace = result.violation ? undefined : summary.trace;
    lines.push(...findingLines('liveness', result.liveness, trace, summary.replayFlag));
  } else {
    lines.push(`  ${'liveness'.padEnd(12)} held on ${n(result.quiescent)} quiescent states`);
  }
  if (result.coverage) lines.push(...coverageLines(result.coverage));
  lines.push(`  ${'breakdown'.padEnd(12)} distinct states per value:`);
  for (const [feature, counts] of Object.entries(result.breakdown)) {
    lines.push(`    ${feature.padEnd(16)} ${counts.map((c, i) => `${i}:${n(c)}`).join(' ')}`);
  }
  return lines;
}

/** What a bitstate run can say of its coverage (`bitstate.ts`). */
function bitstateLines(report: BitstateReport): string[] {
  const percent = (x: number) => `${(100 * x).toFixed(x > 0.9999 ? 4 : 2)}%`;
  return [
    `  ${'bitstate'.padEnd(12)} ${n(report.bits)} bits (${(report.bits / 8 / 2 ** 20).toFixed(1)} MB),` +
      ` k = ${report.hashes}; ${percent(report.fill)} set, hash factor ` +
      `${report.hashFactor.toFixed(1)} bits/state`,
    `  ${'coverage est'.padEnd(12)} ${percent(report.coverage)} of the states (Holzmann's ` +
      `estimate from the fill; a new state was taken for a visited one with p = ` +
      `${report.omission.toExponential(1)} at the end): the count is a lower bound, the search ` +
      'partial',
  ];
}

function findingJson(finding: Finding | null) {
  return finding && { ...finding.violation, length: finding.steps.length, steps: finding.steps };
}

/** The report as one JSON object. */
export function exploreJson(summary: ExploreSummary): object {
  const { options, result } = summary;
  return {
    driver: options.driver.name,
    shape: options.shape,
    faults: options.faults,
    faultBudget: options.faultBudget,
    workload: options.workload ?? null,
    depthBound: options.depth ?? null,
    symmetry: result.symmetries,
    raw: result.raw,
    states: result.states,
    expansions: result.expansions,
    transitions: result.transitions,
    depth: result.depth,
    stop: result.stop,
    exhausted: result.exhausted,
    seconds: summary.ms / 1000,
    statesPerSecond: statesPerSecond(summary),
    bytesPerState: bytesPerState(result),
    heapBytes: summary.heapBytes ?? null,
    collisionChance: collisionChance(result.states),
    verdict: result.violation ? 'violated' : 'safe',
    violation: findingJson(result.violation),
    liveness: findingJson(result.liveness),
    quiescent: result.quiescent,
    trace: summary.trace ?? null,
    coverage: result.coverage,
    breakdown: result.breakdown,
    ...(result.bitstate ? { bitstate: result.bitstate } : {}),
  };
}
