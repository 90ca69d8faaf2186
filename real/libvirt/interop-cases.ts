/**
 * The cases of the interop matrix (pure): who contends, with which spelling, in which order,
 * and what the table must show.
 *
 * A disk is reached as written (`/…/disks/dN.img`, its real path) or by an alias spelling: a
 * doubled slash, a `/./`, a `..` detour, or a symlink (`/…/by-id/dN`). In each case one party
 * takes the disk exclusively and the other then asks for it; the second must be refused.
 *
 * - `same`: both spell the disk alike. libvirt itself treats that as one disk, so exclusion is
 *   *required*: it is what byte-compatible names guarantee.
 * - `lockchart-alias`: lockchart uses the alias, libvirt the path as written.
 * - `libvirt-alias`: libvirt uses the alias, lockchart the path as written.
 * - and `libvirt` against `libvirt` with the alias against the path as written: libvirt's own
 *   design, the baseline the cross cases are judged against.
 * Cross cases that grant twice are findings (libvirt cannot protect those spellings), not
 * failures of lockchart.
 */
import type { LockchartDriverName, Mode } from './interop-parties.ts';

export const SPELLINGS = ['as written', '//', '/./', '..', 'symlink'] as const;
export type Spelling = (typeof SPELLINGS)[number];

export const PAIRINGS = ['same', 'lockchart-alias', 'libvirt-alias'] as const;
export type Pairing = (typeof PAIRINGS)[number];

/** Who takes the disk first. */
export type Direction = 'lockchart first' | 'libvirt first';
export const DIRECTIONS: readonly Direction[] = ['lockchart first', 'libvirt first'];

/** The path of disk `disk` in `root` spelled `spelling` (the world makes each one exist). */
export function spell(root: string, disk: string, spelling: Spelling): string {
  switch (spelling) {
    case 'as written':
      return `${root}/disks/${disk}.img`;
    case '//':
      return `${root}/disks//${disk}.img`;
    case '/./':
      return `${root}/disks/./${disk}.img`;
    case '..':
      return `${root}/disks/../disks/${disk}.img`;
    case 'symlink':
      return `${root}/by-id/${disk}`;
  }
}

/** One contest's coordinates; `driver: 'libvirt'` is the libvirt-against-libvirt baseline. */
export interface InteropCase {
  readonly driver: LockchartDriverName | 'libvirt';
  readonly mode: Mode;
  readonly spelling: Spelling;
  readonly pairing: Pairing;
  readonly direction: Direction;
}

/** The result of one contest. */
export type Outcome = 'excluded' | 'granted twice' | `error: ${string}`;

export interface InteropResult extends InteropCase {
  readonly outcome: Outcome;
}

/** Whether a case must exclude for lockchart to be byte-compatible with libvirt. */
export function required(c: InteropCase): boolean {
  return c.pairing === 'same';
}

/** Every case, drivers × modes × spellings × pairings × directions (and the baseline). */
export function interopCases(drivers: readonly (LockchartDriverName | 'libvirt')[],
  modes: readonly Mode[]): InteropCase[] {
  const cases: InteropCase[] = [];
  for (const driver of drivers) {
    for (const mode of modes) {
      for (const spelling of SPELLINGS) {
        for (const pairing of PAIRINGS) {
          // As written there is no alias; the baseline has one cross pairing (alias vs path).
          if (spelling === 'as written' && pairing !== 'same') continue;
          if (driver === 'libvirt' && pairing === 'libvirt-alias') continue;
          for (const direction of DIRECTIONS) cases.push({ driver, mode, spelling, pairing, direction });
        }
      }
    }
  }
  return cases;
}

/** The two spellings of a case: [lockchart's (or the baseline's first libvirt's), libvirt's]. */
export function spellingsOf(c: InteropCase): readonly [Spelling, Spelling] {
  if (c.pairing === 'same') return [c.spelling, c.spelling];
  if (c.pairing === 'lockchart-alias') return [c.spelling, 'as written'];
  return ['as written', c.spelling];
}
