/**
 * What a sweep of seeds (`sim --seeds N`) found, as one report: the lowest violating seed, the
 * lowest liveness finding before it, and the steps simulated up to it — values that depend on
 * the seeds alone, not on how they were cut into chunks, worker threads or shards. That is what
 * lets `merge` join the shards of a sweep (`--shard i/n`, a Kubernetes Indexed Job) into exactly
 * the report the unsharded run gives.
 *
 * Why "before the lowest violation": a chunk of seeds stops at its first violation, so which
 * seeds after it ran at all depends on where the chunks were cut. Every seed up to the lowest
 * violating one runs in any cutting, so that prefix is what a sweep reports.
 */
import { isKnown } from '../sim/checkers/index.ts';
import { shellWord } from '../drivers/registry/offer.ts';
import type { InvariantId } from '../sim/checkers/index.ts';
import type { FaultName } from '../sim/faults/index.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { Design } from '../sim/world/design.ts';
import type { Shard } from '../matrix/matrix.ts';
import type { CommandIo } from './command.ts';
import { EXIT_INTERRUPTED } from './interrupt.ts';

/** Exit codes, after TigerBeetle's simulator: a safety violation, a liveness violation. */
export const EXIT_SAFETY = 129;
export const EXIT_LIVENESS = 128;

/** What a sweep was asked to do, apart from its shard: shards of one sweep share every field. */
export interface SweepParams {
  /** What `--driver` said (a built-in name, or the module path): workers resolve it again. */
  readonly driver: string;
  /** The driver's name, for the output. */
  readonly label: string;
  readonly faults: readonly FaultName[];
  /** The whole sweep's seeds: `first` … `first + seeds - 1`. */
  readonly first: number;
  readonly seeds: number;
  readonly steps: number;
  readonly shape: WorldShape | null;
  readonly invariants: readonly InvariantId[] | null;
  /** The design, when it is not libvirt's (absent in reports written before designs). */
  readonly design?: Design;
}

export interface SeedRange {
  readonly first: number;
  readonly last: number;
}

export interface SweepFinding {
  readonly invariant: string;
  readonly seed: number;
  readonly message: string;
}

/** What some seeds found: a chunk of a sweep, a shard, or a whole sweep. */
export interface SweepPart {
  readonly range: SeedRange;
  /** Steps simulated in the range, up to and including its first violating seed. */
  readonly steps: number;
  /** The range's lowest violating seed. */
  readonly violation: SweepFinding | null;
  /** Its lowest liveness finding, below `violation`. */
  readonly liveness: SweepFinding | null;
}

export interface SweepReport {
  readonly lockchart: 'sweep';
  readonly params: SweepParams;
  readonly shard: Shard | null;
  /** The seeds this report covers: the shard's range, or the whole sweep. */
  readonly first: number;
  readonly last: number;
  readonly steps: number;
  readonly violation: SweepFinding | null;
  readonly liveness: SweepFinding | null;
  /** Stopped by Ctrl-C: only the ranges in `done` ran (their findings are above). */
  readonly interrupted?: true;
  readonly done?: readonly SeedRange[];
}

/**
 * Shard `i/n` of a sweep's seeds: contiguous ranges, the first seeds to the first shard, sizes
 * differing by one at most. Every shard has a seed when `seeds ≥ n` (checked by the command).
 */
export function seedRange(params: Pick<SweepParams, 'first' | 'seeds'>, shard: Shard | null): SeedRange {
  if (!shard) return { first: params.first, last: params.first + params.seeds - 1 };
  const from = Math.floor(((shard.index - 1) * params.seeds) / shard.count);
  const to = Math.floor((shard.index * params.seeds) / shard.count);
  return { first: params.first + from, last: params.first + to - 1 };
}

const lowest = (findings: ReadonlyArray<SweepFinding | null>) =>
  findings.filter((finding): finding is SweepFinding => finding !== null)
    .sort((a, b) => a.seed - b.seed)[0] ?? null;

/**
 * Parts (chunks of one run, or shards) joined: the lowest violation; of the parts that begin at
 * or before it — every seed up to it, whatever the cutting — the lowest liveness finding and the
 * steps. A part beginning after the lowest violation may have stopped anywhere: it is left out.
 */
function lowestNew(findings: readonly (SweepFinding | null)[]): SweepFinding | null {
  return lowest(findings.filter((found) => found !== null && !isKnown(found.invariant))) ??
    lowest(findings);
}

export function joinParts(parts: readonly SweepPart[]): Omit<SweepPart, 'range'> {
  const violation = lowest(parts.map((part) => part.violation));
  const counted = violation ? parts.filter((part) => part.range.first <= violation.seed) : parts;
  return {
    violation,
    // A new liveness finding at any seed over a known one at a lower seed: the known leak
    // (S7d) never masks a new one.
    liveness: lowestNew(counted.map((part) => part.liveness)),
    steps: counted.reduce((sum, part) => sum + part.steps, 0),
  };
}

/** The command that re-runs one seed of the sweep alone, with its trace. */
export function rerunCommand(params: SweepParams, seed: number): string {
  const { shape } = params;
  return `lockchart sim --driver ${shellWord(params.driver)} --seed ${seed} --steps ${params.steps}` +
    `${params.faults.length ? ` --faults ${params.faults.join(',')}` : ''}` +
    `${params.design ? ` --design ${params.design}` : ''}` +
    `${shape ? ` --shape ${shape.hosts}x${shape.vms}x${shape.disks}` : ''}` +
    `${params.invariants ? ` --invariants ${params.invariants.join(',')}` : ''} --trace FILE`;
}

export function sweepExitCode(report: SweepReport): number {
  if (report.interrupted) return EXIT_INTERRUPTED;
  return report.violation ? EXIT_SAFETY : report.liveness ? EXIT_LIVENESS : 0;
}

const span = ({ first, last }: SeedRange) => (first === last ? `${first}` : `${first}…${last}`);

/**
 * `sim --seeds N --json`: one object. It holds nothing of how the seeds were run (workers,
 * shards, time), so a merged sweep prints exactly what the unsharded one prints.
 */
export function sweepJson(report: SweepReport): object {
  const { params } = report;
  const withRerun = (finding: SweepFinding | null) =>
    finding && { ...finding, rerun: rerunCommand(params, finding.seed) };
  return {
    driver: params.label, faults: params.faults, first: report.first, last: report.last,
    seeds: report.last - report.first + 1, steps: report.steps,
    ...(report.shard ? { shard: report.shard } : {}),
    interrupted: report.interrupted === true,
    ...(report.interrupted ? { done: report.done ?? [] } : {}),
    violation: withRerun(report.violation), liveness: withRerun(report.liveness),
  };
}

/** The sweep as text; `how` says what ran it ("on 4 worker thread(s)", "merged from 3 shards"). */
export function printSweep(report: SweepReport, how: string, io: CommandIo): void {
  const { params, violation, liveness } = report;
  const shard = report.shard ? ` (shard ${report.shard.index}/${report.shard.count} of seeds ` +
    `${span(seedRange(params, null))})` : '';
  io.out(`swept seeds ${span(report)}${shard} of ${params.label} ` +
    `(faults ${params.faults.join(',') || 'none'}) ${how}: ${report.steps.toLocaleString('en-US')} ` +
    `steps${violation ? ` (seeds ${span({ first: report.first, last: violation.seed })}, up to the ` +
      'first violation)' : ''}`);
  if (report.interrupted) {
    const done = report.done ?? [];
    const seeds = done.reduce((sum, range) => sum + range.last - range.first + 1, 0);
    io.out(`  INTERRUPTED (SIGINT): ${seeds} of ${report.last - report.first + 1} seeds done` +
      (done.length > 0 ? ` (${done.map(span).join(', ')})` : '') +
      '; a sweep keeps no traces: re-run a seed alone with --trace FILE');
  }
  if (violation) {
    io.out(`  VIOLATED ${violation.invariant} at seed ${violation.seed}: ${violation.message}`);
    io.out(`  re-run it alone with its trace: ${rerunCommand(params, violation.seed)}`);
  }
  if (liveness) {
    io.out(`  LIVENESS ${liveness.invariant} at seed ${liveness.seed}: ${liveness.message}`);
    io.out(`  re-run it alone with its trace: ${rerunCommand(params, liveness.seed)}`);
  }
  if (!violation && !liveness && !report.interrupted) io.out('  safe: no seed broke an invariant');
}
