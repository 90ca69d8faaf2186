/**
 * What the kernel holds on a real-mode world's disks, from `/proc/locks`: for each disk, the
 * locks covering byte 0 (where the kernel-lock drivers lock), their mode, and — for a POSIX
 * lock held by a supervisor — the model pid it belongs to. OFD locks show no pid; a POSIX lock
 * of any other process (a naive driver's libvirtd) has no model pid either.
 */
import { coversByte, readProcLocks, type ProcLock } from '../../system/proc-locks.ts';
import { LOCK_START } from '../../drivers/kernel/primitives.ts';
import type { ObservedLock } from '../backend.ts';
import type { DiskIdentity } from './world.ts';

/** The held locks on byte 0 of each disk, by disk index (pure). */
export function byteZeroLocks(locks: readonly ProcLock[], disks: readonly DiskIdentity[]):
  Map<number, ProcLock[]> {
  const out = new Map<number, ProcLock[]>();
  for (const lock of locks) {
    if (lock.blocked || !coversByte(lock, LOCK_START)) continue;
    const disk = disks.findIndex((id) => id.inode === lock.inode && id.dev === lock.dev);
    if (disk < 0) continue;
    const list = out.get(disk) ?? [];
    list.push(lock);
    out.set(disk, list);
  }
  return out;
}

/** The kernel's locks as real mode reports them (pure but for the pid map). */
export function observedLocks(
  locks: ReadonlyMap<number, readonly ProcLock[]>,
  modelPidOf: (realPid: number) => number | undefined,
): ObservedLock[] {
  const observed: ObservedLock[] = [];
  for (const [disk, held] of locks) {
    for (const lock of held) {
      const holder = lock.kind === 'POSIX' ? modelPidOf(lock.pid) ?? null : null;
      observed.push({ disk, mode: lock.mode === 'WRITE' ? 'exclusive' : 'shared', holder });
    }
  }
  return observed;
}

/** One line per lock, for messages: `POSIX WRITE pid 1234`, `OFDLCK READ`. */
export function describeKernelLocks(locks: readonly ProcLock[]): string {
  if (locks.length === 0) return 'no lock';
  return locks.map((lock) => `${lock.kind} ${lock.mode}${lock.pid > 0 ? ` pid ${lock.pid}` : ''}`)
    .join(', ');
}

const lockKey = (lock: ProcLock) => `${lock.kind} ${lock.mode} ${lock.pid} ${lock.inode}`;

/**
 * The byte-0 locks on the world's disks, read until two reads agree. `/proc/locks` comes one
 * page per read(2), so while other processes on the machine lock and unlock, a long listing can
 * skip or repeat a line of ours; ours do not change while a step is observed, so two equal
 * readings in a row are the truth.
 */
export function stableByteZeroLocks(disks: readonly DiskIdentity[]): Map<number, ProcLock[]> {
  let previous = '';
  let locks = byteZeroLocks(readProcLocks(), disks);
  for (let attempt = 0; attempt < 20; attempt++) {
    const key = [...locks.entries()].map(([disk, held]) =>
      `${disk}:${held.map(lockKey).sort().join(',')}`).sort().join(';');
    if (key === previous) break;
    previous = key;
    locks = byteZeroLocks(readProcLocks(), disks);
  }
  return locks;
}

/** The byte-0 locks of one disk now. */
export function diskLocksNow(disks: readonly DiskIdentity[], disk: number): ProcLock[] {
  return stableByteZeroLocks(disks).get(disk) ?? [];
}
