/**
 * The terminal timeline: one line per step, VOPR-style, that fits a 100-column terminal.
 *
 * ```text
 *   step      time  h0  h1   d0d1d2  what happened
 * *   29    1024ms  x.. .RP  X0X1--  FAULT daemon-crash h1
 * ```
 *
 * After the mark, step number and virtual time comes the state strip: one letter per VM on
 * each host (libvirtd's domain statechart), then two per disk (the lock's mode and the host
 * whose daemon granted it). Then the step in words, with the step's notes.
 */
import { DomainIn } from '../../machines/states.ts';

/** One letter per domain configuration; the legend lists them. */
export function domainLetter(leaves: readonly string[]): string {
  const letters: ReadonlyArray<readonly [(leaves: readonly string[]) => boolean, string]> = [
    [DomainIn.shutoff.leaves, '.'], [DomainIn.defined.leaves, '.'],
    [DomainIn.starting.leaves, 's'], [DomainIn.booting.leaves, 'b'],
    [DomainIn.destroying.leaves, 'x'], [DomainIn.outgoing.leaves, 'o'],
    [DomainIn.incoming.leaves, 'i'], [DomainIn.vcpusRunning.leaves, 'R'],
    [DomainIn.vcpusPaused.leaves, 'P'], [DomainIn.vcpusPausing.leaves, 'p'],
    [DomainIn.vcpusStopping.leaves, 'p'],
    [DomainIn.vcpusResuming.leaves, 'r'],
  ];
  return letters.find(([is]) => is(leaves))?.[1] ?? '?';
}

/** A disk's lock, as two letters: mode and granting host, `--` free, `!!` conflicting. */
export function diskCode(
  holders: readonly { mode: 'exclusive' | 'shared'; host: number }[],
): string {
  if (holders.length === 0) return '--';
  if (holders.length > 1 && holders.some((h) => h.mode === 'exclusive')) return '!!';
  const mode = holders[0]!.mode === 'exclusive' ? 'X' : 'S';
  const hosts = new Set(holders.map((h) => h.host));
  return `${mode}${hosts.size === 1 ? String(holders[0]!.host % 10) : '*'}`;
}

/** What one strip line shows of a step. */
export interface StripStep {
  readonly index: number;
  readonly time: number;
  readonly description: string;
  readonly notes: readonly string[];
  /** `*` fault, `!` violation, `H` the heal phase begins, `w` a disk write, or a space. */
  readonly mark: string;
  /** Domain letters by host: `letters[host]` has one letter per VM. */
  readonly letters: readonly string[];
  /** Two letters per disk. */
  readonly disks: readonly string[];
}

/** The world's shape, which sets the strip's columns, and the line width. */
export interface StripLayout {
  readonly hosts: number;
  readonly vms: number;
  readonly disks: number;
  /** Line width (default 100). */
  readonly width?: number;
}

const MAX_STRIP = 48;

/** Cuts `text` to `width` columns, marking the cut. */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function stateColumn(letters: readonly string[], disks: readonly string[]): string {
  return fit(`${letters.join(' ')}  ${disks.join('')}`, MAX_STRIP);
}

/** The column headings and a legend, for the top of the timeline. */
export function stripHeader(layout: StripLayout): string[] {
  const width = layout.width ?? 100;
  const hosts = [...Array(layout.hosts).keys()].map((h) => `h${h}`.padEnd(layout.vms));
  const disks = [...Array(layout.disks).keys()].map((d) => `d${d}`);
  return [
    fit('domain on each host: . off  s starting  b booting  R running  P paused  p pausing', width),
    fit('  r resuming  o/i migrating out/in  x destroying', width),
    fit('disk locks: X/S exclusive/shared + the granting host, -- free, !! conflicting', width),
    fit('marks: * fault  ! violation  H heal phase begins  w disk write', width),
    fit(`  ${'step'.padStart(6)} ${'time'.padStart(9)}  ${stateColumn(hosts, disks)}  ` +
      'what happened', width),
  ];
}

/** One step as one line of at most `width` columns. */
export function stripLine(layout: StripLayout, step: StripStep): string {
  const width = layout.width ?? 100;
  const head = `${step.mark} ${String(step.index).padStart(6)} ${`${step.time}ms`.padStart(9)}  ` +
    `${stateColumn(step.letters, step.disks)}  `;
  const notes = step.notes.length > 0 ? ` — ${step.notes.join('; ')}` : '';
  return fit(`${head}${step.description}${notes}`, width);
}

/** Wraps a message (a violation) under the timeline, indented, within `width` columns. */
export function wrapIndented(text: string, indent: number, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(`${' '.repeat(indent)}${line}`);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(`${' '.repeat(indent)}${line}`);
  return lines.map((l) => fit(l, width));
}
