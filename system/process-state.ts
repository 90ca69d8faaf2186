/**
 * What `/proc` says about a process: whether it has ended, and which process listens on a UNIX
 * socket (to find a daemon a user started, for `lockchart conform --destructive`).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Whether `pid` is gone or a zombie (ended, not yet reaped by its parent). */
export function hasEnded(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  // The state follows the command name, which is in parentheses and may contain anything.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** Polls until `pid` has ended; resolves false if it still runs after `timeoutMs`. */
export async function processEnded(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!hasEnded(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** The inode of the listening UNIX socket bound at `path`, from `/proc/net/unix` (pure). */
export function listeningInode(procNetUnix: string, path: string): number | null {
  for (const line of procNetUnix.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 (__SO_ACCEPTCON) = listening.
    if (fields.length < 8 || fields.slice(7).join(' ') !== path) continue;
    if ((parseInt(fields[3]!, 16) & 0x10000) !== 0) return Number(fields[6]);
  }
  return null;
}

/**
 * The pids holding the listening socket at `path` open, the one named `preferComm` first
 * (socket activation: systemd holds it too).
 */
export function listeningPids(path: string, preferComm = 'virtlockd'): number[] {
  const inode = listeningInode(readFileSync('/proc/net/unix', 'utf8'), path);
  if (inode === null) return [];
  const target = `socket:[${inode}]`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fds = readdirSync(`/proc/${entry}/fd`);
      const holds = fds.some((fd) => safeReadlink(`/proc/${entry}/fd/${fd}`) === target);
      if (holds) pids.push(Number(entry));
    } catch {
      // The process ended, or its fds are not ours to read.
    }
  }
  const comm = (pid: number) => safeRead(`/proc/${pid}/comm`).trim();
  return pids.sort((a, b) => Number(comm(b) === preferComm) - Number(comm(a) === preferComm));
}

function safeReadlink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
