/**
 * The kernel's own view of file locks: `/proc/locks`, parsed. Tests and drivers use it as the
 * ground truth a lock service cannot fake: a lock virtlockd (or any driver) claims to hold is
 * there, with the pid of the process holding it, on the file's device and inode.
 *
 * A line looks like `1: POSIX  ADVISORY  WRITE 14608 fe:00:2165415 0 0`; waiters blocked on a
 * lock repeat its id with `->` (`1: -> POSIX ADVISORY WRITE …`). OFD locks show pid -1.
 */
import { readFileSync, statSync } from 'node:fs';

/** POSIX, FLOCK, OFDLCK, LEASE, DELEG … as the kernel names the lock's family. */
export type ProcLockKind = string;

/** One line of `/proc/locks`. */
export interface ProcLock {
  /** The lock's ordinal in this snapshot (not stable across reads). */
  readonly id: number;
  readonly kind: ProcLockKind;
  /** READ or WRITE (UNLCK, or a lease state, for leases). */
  readonly mode: string;
  /** ADVISORY or MANDATORY (BREAKING, ACTIVE … for leases). */
  readonly enforcement: string;
  /** The holder (-1 for OFD locks). */
  readonly pid: number;
  /** `major:minor` in hex, as the kernel prints it (e.g. `fe:00`). */
  readonly dev: string;
  readonly inode: number;
  readonly start: number;
  /** Last byte locked, inclusive; null means to end of file (`EOF`). */
  readonly end: number | null;
  /** Whether this line is a waiter blocked on the lock (`->`). */
  readonly blocked: boolean;
}

const LINE = new RegExp('^(\\d+):\\s+(->\\s+)?(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(-?\\d+)\\s+' +
  '([0-9a-f]+:[0-9a-f]+):(\\d+)\\s+(\\d+)\\s+(\\d+|EOF)\\s*$', 'i');

/** Parses one line; null for a line that is not a lock (pure). */
export function parseProcLockLine(line: string): ProcLock | null {
  const match = LINE.exec(line);
  if (!match) return null;
  const [, id, arrow, kind, enforcement, mode, pid, dev, inode, start, end] = match;
  return {
    id: Number(id),
    kind: kind!,
    mode: mode!,
    enforcement: enforcement!,
    pid: Number(pid),
    dev: dev!.toLowerCase(),
    inode: Number(inode),
    start: Number(start),
    end: end === 'EOF' ? null : Number(end),
    blocked: arrow !== undefined,
  };
}

/** Parses a whole `/proc/locks` text (pure); lines that are not locks are skipped. */
export function parseProcLocks(text: string): ProcLock[] {
  const locks: ProcLock[] = [];
  for (const line of text.split('\n')) {
    const lock = parseProcLockLine(line);
    if (lock) locks.push(lock);
  }
  return locks;
}

/** Linux's `major(dev)` and `minor(dev)` for a `st_dev` value (pure). */
export function deviceNumbers(dev: number | bigint): { major: number; minor: number } {
  // glibc's gnu_dev_major/minor: the high parts are 32-bit words shifted down.
  const value = BigInt(dev);
  const major = Number(((value >> 8n) & 0xfffn) | ((value >> 32n) & 0xfffff000n));
  const minor = Number((value & 0xffn) | ((value >> 12n) & 0xffffff00n));
  return { major, minor };
}

/** The `dev` text `/proc/locks` uses for a device (pure): `%02x:%02x`. */
export function procDevice(dev: number | bigint): string {
  const { major, minor } = deviceNumbers(dev);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `${hex(major)}:${hex(minor)}`;
}

/** Whether the lock covers byte `offset` of its file (pure). */
export function coversByte(lock: ProcLock, offset: number): boolean {
  return lock.start <= offset && (lock.end === null || offset <= lock.end);
}

/** What the kernel's seq_file hands out per read(2) of `/proc/locks`. */
const SEQ_FILE_PAGE = 4096;

/**
 * Every lock the kernel holds now (synchronous: small reads of a virtual file).
 *
 * `/proc/locks` is produced one page per read(2), and the lock list may change between two
 * reads while other processes lock and unlock: a longer listing can then show an entry twice or
 * skip one. A listing that fits one page is consistent; a longer one is read again until two
 * consecutive reads agree.
 */
export function readProcLocks(path = '/proc/locks'): ProcLock[] {
  let text = readFileSync(path, 'utf8');
  for (let attempt = 0; attempt < 50 && Buffer.byteLength(text) >= SEQ_FILE_PAGE; attempt++) {
    const again = readFileSync(path, 'utf8');
    if (again === text) break;
    text = again;
  }
  return parseProcLocks(text);
}

/**
 * The held locks (waiters excluded) on the file a `stat` result describes, matched by device
 * and inode (pure).
 */
export function locksOnFile(
  locks: readonly ProcLock[],
  stat: { readonly dev: number | bigint; readonly ino: number | bigint },
): ProcLock[] {
  const dev = procDevice(stat.dev);
  const inode = Number(stat.ino);
  return locks.filter((lock) => !lock.blocked && lock.dev === dev && lock.inode === inode);
}

/** The locks held now on the file at `path` (following symlinks). */
export function locksOnPath(path: string): ProcLock[] {
  return locksOnFile(readProcLocks(), statSync(path, { bigint: true }));
}
