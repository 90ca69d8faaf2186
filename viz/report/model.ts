/**
 * The data a report page embeds: what the timeline draws, compactly. Nothing here is a world;
 * each lane is a list of segments (the step where its value changed, and the value from then
 * on), so the page holds one entry per change, not one per step and lane. Integer lists are
 * delta-encoded (`encode.ts`) and strings interned in tables.
 */
import type { Violation } from '../../sim/checkers/checker.ts';

export type LaneKind = 'host' | 'domain' | 'proc' | 'lockd' | 'disk';

/** One column of the timeline. */
export interface Lane {
  readonly kind: LaneKind;
  /** The host the lane belongs to (-1 for disks: shared storage). */
  readonly host: number;
  /** The VM of a domain or process lane, else -1. */
  readonly vm: number;
  /** The disk of a disk lane, else -1. */
  readonly disk: number;
  /** Column heading (`vm1`, `grants`, `disk0`). */
  readonly label: string;
}

/** A statechart configuration as the page draws it. */
export interface ChartState {
  /** Every active state path, ancestors included (the `state:<path>` ids to light). */
  readonly paths: readonly string[];
  /** A short label for a timeline cell (`running`, `out:begun`). */
  readonly label: string;
  /** The colour family of the cell (`off`, `busy`, `run`, `pause`, `migrate`, `dead`). */
  readonly tone: string;
}

/** Lock modes as one letter: exclusive, shared. */
export type ModeLetter = 'X' | 'S';

/**
 * A lane's value, by lane kind (arrays keep the embedded JSON small):
 * - host: `[timers, [vm, call, orphan]…]`, the host's lock calls in flight and pending timers;
 * - domain: an index into `domainStates`;
 * - proc: `[processState, terminating, dead]` or null when no QEMU runs (the pid is kept in
 *   the lane's `pids`, so that one table entry serves every process in that state);
 * - lockd: `[epoch, [disk, pid, mode]…]`, the grants this host's lock daemon holds;
 * - disk: `[[pid, host, mode]…, ]` holders, then `[pid…]` live writers: `[holders, writers]`.
 */
export type CellValue = unknown;

/** The segments of one lane: delta-encoded start steps and value indices. */
export interface LaneSegments {
  readonly starts: readonly number[];
  readonly values: readonly number[];
  /** Process lanes: each segment's pid (0 when none), delta-encoded. */
  readonly pids?: readonly number[];
}

export interface ReportVerdict {
  /** `unfinished`: no end record (the run crashed or was cut short). */
  readonly kind: 'safe' | 'violated' | 'liveness' | 'unfinished';
  readonly violation: Violation | null;
  readonly liveness: Violation | null;
}

export interface ReportData {
  readonly title: string;
  /** One line naming driver, seed, faults, shape and origin. */
  readonly summary: string;
  readonly vmNames: readonly string[];
  readonly diskPaths: readonly string[];
  readonly hosts: number;
  readonly steps: number;
  /** The trace's last line was cut off mid-write. */
  readonly truncated: boolean;
  /** The trace has an end record. */
  readonly ended: boolean;
  readonly verdict: ReportVerdict;
  readonly lanes: readonly Lane[];
  /** Per lane, the values its segments refer to (an interned table per lane kind). */
  readonly tables: Readonly<Record<LaneKind, readonly CellValue[]>>;
  readonly segments: readonly LaneSegments[];
  readonly domainStates: readonly ChartState[];
  readonly processStates: readonly ChartState[];
  /** Interned step descriptions and, per step, an index into them. */
  readonly descriptions: readonly string[];
  readonly description: readonly number[];
  /** Virtual time after each step, delta-encoded. */
  readonly time: readonly number[];
  /** Interned texts of notes and delivered events. */
  readonly texts: readonly string[];
  /** `[step, text…]` runs: the notes of the steps that have any, steps delta-encoded. */
  readonly notes: readonly (readonly number[])[];
  /**
   * Per step, how many events it delivered to statecharts; then, for every event in order, its
   * target and its text. The target is `2 * slot` for the domain of slot `vm * hosts + host`,
   * `2 * slot + 1` for that slot's QEMU process (its pid is the process lane's at that step).
   */
  readonly eventCounts: readonly number[];
  readonly events: readonly number[];
  /** `[step, fault text, host, vm]` for every fault step (-1 where it names no host or VM). */
  readonly faults: readonly (readonly [number, number, number, number])[];
  /** `[step, disk]` for every disk write. */
  readonly writes: readonly (readonly [number, number])[];
  /** The first step of the heal phase, or -1. */
  readonly healStart: number;
}
