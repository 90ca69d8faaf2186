/**
 * Who a pid is: a pid plus the process's start time (`/proc/<pid>/stat` field 22, in clock ticks
 * since boot). Pids are reused; the pair is not, so a lock keyed by it is never handed to a
 * stranger that happens to get the dead owner's pid.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: number;
}

/** Pure: the state letter and start time from the text of `/proc/<pid>/stat`. */
export function parseStat(text: string): { state: string; ppid: number; startTime: number } | null {
  // The command name may contain spaces and parentheses: the fields start after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  const ppid = Number(fields[1]);
  const startTime = Number(fields[19]);
  if (state === undefined || !Number.isFinite(ppid) || !Number.isFinite(startTime)) return null;
  return { state, ppid, startTime };
}

function statOf(pid: number): ReturnType<typeof parseStat> {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Whether a process whose leader thread is a zombie is entirely done. A multi-threaded process
 * (node is one) shows its leader as `Z` while its other threads still exit, and its descriptors,
 * with its locks, go only when the last thread does.
 */
function finished(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}

/** The identity of a live process, or null if there is none (gone, or an exited zombie). */
export function identify(pid: number): ProcessIdentity | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const stat = statOf(pid);
  if (!stat || stat.state === 'X' || (stat.state === 'Z' && finished(pid))) return null;
  return { pid, startTime: stat.startTime };
}

/** Whether the very process `identity` names still runs (a stopped process still runs). */
export function isAlive(identity: ProcessIdentity): boolean {
  return identify(identity.pid)?.startTime === identity.startTime;
}

/** The parent pid of a process, or null if it is gone. */
export function parentOf(pid: number): number | null {
  return statOf(pid)?.ppid ?? null;
}

/**
 * Resolves once the process is gone (exited, or a zombie nobody reaps yet), polling every few
 * milliseconds; resolves false if it still runs after `timeoutMs`.
 */
export async function waitGone(identity: ProcessIdentity, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(identity)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}
