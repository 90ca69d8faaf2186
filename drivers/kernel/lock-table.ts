/**
 * virtlockd's lockspace table (`virlockspace.c`) over real kernel locks: one entry per locked
 * file, holding its descriptor, its mode and its owners (pids, one occurrence per acquire).
 *
 * - A shared acquire of a file this table holds shared appends the owner (duplicates allowed);
 *   anything else on a held file is RESOURCE_BUSY "is locked", including a second exclusive
 *   acquire by the same owner. A file this table does not hold is opened and locked; the kernel
 *   says whether another process (or, for OFD, another descriptor) holds it.
 * - A release removes one occurrence of the owner; the last one closes the descriptor, which
 *   drops the kernel lock. Releasing a file the owner does not hold is INTERNAL_ERROR when
 *   someone holds it, RESOURCE_BUSY "is not locked" when nobody does (asked of `/proc/locks`).
 *
 * Entries are keyed by path for OFD locks. For POSIX locks they are keyed by inode: two paths of
 * one inode (hard links) would otherwise be two entries whose close drops both locks silently.
 */
import { closeSync, fstatSync, lstatSync, statSync } from 'node:fs';
import { lockError } from '../../contract/errors.ts';
import { coversByte, locksOnFile, readProcLocks } from '../../system/proc-locks.ts';
import { closeLocked, openLocked } from './lock-file.ts';
import type { LockTarget } from './lock-target.ts';
import { LOCK_START, type LockPrimitive } from './primitives.ts';
import { errorCode, systemError, type SystemErrorContext } from './system-error.ts';

export interface LockTableOptions {
  readonly primitive: LockPrimitive;
  /** The driver name reported in errors. */
  readonly driver: string;
  /** What identifies a lock: its path (OFD) or its inode (POSIX, see the module comment). */
  readonly identity: 'path' | 'inode';
}

/** One held file, as `held()` reports it. */
export interface HeldLock {
  readonly path: string;
  readonly shared: boolean;
  readonly owners: readonly number[];
}

interface Entry {
  readonly key: string;
  readonly target: LockTarget;
  readonly fd: number;
  readonly owners: number[];
}

export class LockTable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: LockTableOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** Takes the target for the owner; see the module comment. */
  acquire(owner: number, target: LockTarget, operation = 'acquire'): void {
    const where = { operation, driver: this.options.driver, resource: target.resource };
    const entry = this.entryOf(target, where);
    if (entry) {
      if (!(entry.target.shared && target.shared)) throw busy(target, 'is locked', where);
      entry.owners.push(owner);
      return;
    }
    const fd = openLocked(target, this.options.primitive, where);
    if (fd === null) throw busy(target, 'is locked', where);
    let key = target.path;
    if (this.options.identity === 'inode') {
      try {
        key = inodeKey(fstatSync(fd, { bigint: true }));
      } catch (error) {
        closeSync(fd);
        throw systemError(error, `cannot inspect lock file '${target.path}'`, where);
      }
    }
    this.entries.set(key, { key, target, fd, owners: [owner] });
  }

  /** Releases one occurrence of the owner; see the module comment. */
  release(owner: number, target: LockTarget, operation = 'release'): void {
    const where = { operation, driver: this.options.driver, resource: target.resource };
    const entry = this.entryOf(target, where);
    const mine = entry ? entry.owners.indexOf(owner) : -1;
    if (!entry || mine < 0) throw notHeld(owner, target, entry ? entry.owners : null, where);
    entry.owners.splice(mine, 1);
    if (entry.owners.length === 0) this.close(entry);
  }

  /** Releases everything the owner holds (the owner died); returns how many grants went. */
  dropOwner(owner: number): number {
    let released = 0;
    for (const entry of [...this.entries.values()]) {
      const before = entry.owners.length;
      const left = entry.owners.filter((pid) => pid !== owner);
      released += before - left.length;
      entry.owners.splice(0, before, ...left);
      if (left.length === 0 && before > 0) this.close(entry);
    }
    return released;
  }

  /** Every owner pid with at least one grant. */
  owners(): number[] {
    const all = new Set<number>();
    for (const entry of this.entries.values()) for (const pid of entry.owners) all.add(pid);
    return [...all];
  }

  /** The owners of the entry holding this target's file, or [] when it is not held here. */
  ownersOf(target: LockTarget): readonly number[] {
    const where = { operation: 'ownersOf', driver: this.options.driver };
    return this.entryOf(target, where)?.owners ?? [];
  }

  held(): HeldLock[] {
    return [...this.entries.values()].map((entry) => ({
      path: entry.target.path,
      shared: entry.target.shared,
      owners: [...entry.owners],
    }));
  }

  /** Drops every lock (driver deinit, supervisor exit). */
  clear(): void {
    for (const entry of [...this.entries.values()]) this.close(entry);
  }

  private close(entry: Entry): void {
    this.entries.delete(entry.key);
    closeLocked(entry.target, entry.fd, this.options.primitive);
  }

  /** The entry holding the target's file; undefined when there is none (or no such file). */
  private entryOf(target: LockTarget, where: SystemErrorContext): Entry | undefined {
    if (this.options.identity === 'path') return this.entries.get(target.path);
    try {
      return this.entries.get(inodeKey(fileStat(target)));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw systemError(error, `cannot inspect lock file '${target.path}'`, where);
    }
  }
}

/**
 * The file a target names: a lease file itself (never followed: see `lock-file.ts`), a disk
 * path through any symlink, as it is opened.
 */
function fileStat(target: LockTarget) {
  return target.autocreate ? lstatSync(target.path, { bigint: true })
    : statSync(target.path, { bigint: true });
}

function inodeKey(stat: { readonly dev: bigint; readonly ino: bigint }): string {
  return `${stat.dev}:${stat.ino}`;
}

function busy(target: LockTarget, what: 'is locked' | 'is not locked',
  where: { operation: string; driver: string; resource: string }) {
  return lockError('RESOURCE_BUSY',
    `resource busy: Lockspace resource '${target.resource}' ${what}`, where);
}

/** Who holds byte 0 of the target's file, per the kernel: pids, -1 for OFD locks. */
export function kernelHolders(target: LockTarget): number[] {
  let stat;
  try {
    stat = fileStat(target);
  } catch {
    return [];
  }
  return locksOnFile(readProcLocks(), stat)
    .filter((lock) => coversByte(lock, LOCK_START))
    .map((lock) => lock.pid);
}

/**
 * The error for releasing a lock the owner does not hold, as virtlockd answers: RESOURCE_BUSY
 * "is not locked" when nobody holds it, INTERNAL_ERROR naming the holders otherwise. `holders`
 * null: ask the kernel.
 */
export function notHeld(owner: number, target: LockTarget, holders: readonly number[] | null,
  where: { operation: string; driver: string; resource: string }) {
  const known = holders ?? kernelHolders(target);
  if (known.length === 0) return busy(target, 'is not locked', where);
  return lockError('INTERNAL_ERROR', `internal error: owner ${owner} does not hold the ` +
    `resource lock (held by ${describeHolders(known)})`, where);
}

function describeHolders(pids: readonly number[]): string {
  const named = [...new Set(pids)].map((pid) => (pid === -1 ? 'an OFD lock' : `pid ${pid}`));
  return named.join(', ');
}
