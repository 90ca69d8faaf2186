/**
 * Last-resort cleanup, the one registry for all of lockchart: daemons, owner processes,
 * supervisors and temp dirs a run started must not outlive it, even when the run ends by SIGINT,
 * SIGTERM or SIGHUP instead of its own `finally` blocks. Each cleanup is synchronous (kill by
 * pid, rmSync) because `exit` handlers cannot await. `drivers/supervisor/cleanup.ts` registers
 * processes (by identity, so a reused pid is never hit) and paths through it.
 */

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

/** Runs every registered cleanup now (newest first) and unregisters it. */
export function runCleanups(): number {
  let ran = 0;
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    ran++;
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
  return ran;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => runCleanups());
  for (const signal of SIGNALS) {
    const handler = (): void => {
      runCleanups();
      // With only cleanups listening we replaced the default action (exit): restore, re-raise.
      if (onlyCleanupsListen(signal)) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, Object.assign(handler, { [CLEANUP_HANDLER]: true }));
  }
}

/**
 * Registers a synchronous cleanup to run if the process exits before `dispose` is called.
 * @returns dispose: unregisters the cleanup (call it once the resource was freed normally).
 */
export function cleanupOnExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}
