/**
 * Last-resort cleanup, the one registry for all of lockchart: daemons, owner processes,
 * supervisors and temp dirs a run started must not outlive it, even when the run ends by SIGINT,
 * SIGTERM or SIGHUP instead of its own `finally` blocks, and — through the reaper
 * (`reaper.ts`), for registrations that say what they leave — even by SIGKILL. Each cleanup is synchronous (kill by
 * pid, rmSync) because `exit` handlers cannot await. `drivers/kernel/supervisor/cleanup.ts` registers
 * processes (by identity, so a reused pid is never hit) and paths through it.
 */

import { identify } from './process-identity.ts';
import { closeReaperJournal, reapIfOrphaned, type Leftover } from './reaper.ts';

export type { Leftover } from './reaper.ts';

/**
 * Marks our signal listener. With no other listener, listening replaced the signal's default
 * action (exit), so after cleaning up the handler restores it and re-raises the signal.
 */
export const CLEANUP_HANDLER = Symbol.for('lockchart.signal-cleanup');

/** Whether every listener of `signal` is a lockchart cleanup (none wants to handle it). */
export function onlyCleanupsListen(signal: NodeJS.Signals): boolean {
  return process.listeners(signal).every((listener) => CLEANUP_HANDLER in listener);
}

const cleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

/** Processes the running cleanups sent SIGKILL (null: no cleanup is running). */
let dying: number[] | null = null;
/** How long the cleanups wait for the processes they killed to die. */
const DEATH_WAIT_MS = 2000;

/**
 * Runs every registered cleanup now (newest first) and unregisters it, then waits (boundedly)
 * until the processes they killed are dead: a SIGKILLed process keeps its sockets and locks until
 * the kernel has torn it down, and the run must not end before they are gone.
 */
export function runCleanups(): number {
  let ran = 0;
  dying = [];
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    ran++;
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
  const killed = dying;
  dying = null;
  waitForDeaths(killed, DEATH_WAIT_MS);
  return ran;
}

/** Blocks until every pid is gone (its files closed: see `identify`), or `ms` have passed. */
function waitForDeaths(pids: readonly number[], ms: number): void {
  const deadline = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let waiting = pids.filter(isRunning);
  while (waiting.length > 0 && Date.now() < deadline) {
    Atomics.wait(pause, 0, 0, 5);
    waiting = waiting.filter(isRunning);
  }
}

function isRunning(pid: number): boolean {
  return identify(pid) !== null;
}

/** The end of this process: every cleanup runs, then the reaper (reaper.ts), with nothing left
 * to do, is stopped too, so that nothing of the run outlives it. */
function cleanUpForGood(): void {
  runCleanups();
  const reaperPid = closeReaperJournal();
  if (reaperPid !== null) waitForDeaths([reaperPid], DEATH_WAIT_MS);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanUpForGood);
  for (const signal of SIGNALS) {
    const handler = (): void => {
      // Someone else handles the signal (a command that stops gracefully on Ctrl-C): it ends
      // the run in order, and the cleanups run at its exit. Killing everything now would pull
      // the processes and files out from under that orderly end.
      if (!onlyCleanupsListen(signal)) return;
      cleanUpForGood();
      // With only cleanups listening we replaced the default action (exit): restore, re-raise.
      process.removeListener(signal, handler);
      process.kill(process.pid, signal);
    };
    process.on(signal, Object.assign(handler, { [CLEANUP_HANDLER]: true }));
  }
}

/**
 * Registers a synchronous cleanup to run if the process exits before `dispose` is called.
 * `leftover` says what the cleanup kills or removes, for the reaper (`reaper.ts`), which does it
 * should this process die without running any cleanup at all (SIGKILL).
 * @returns dispose: unregisters the cleanup (call it once the resource was freed normally).
 */
export function cleanupOnExit(cleanup: () => void, leftover?: Leftover): () => void {
  install();
  cleanups.add(cleanup);
  const forget = leftover ? reapIfOrphaned(leftover) : () => {};
  return () => {
    cleanups.delete(cleanup);
    forget();
  };
}

/** Sends `signal` to `pid`, ignoring a process that is already gone; returns whether it
 * signalled. */
export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  try {
    process.kill(pid, signal);
  } catch {
    return false; // ESRCH: already gone.
  }
  if (signal === 'SIGKILL') dying?.push(pid);
  return true;
}
