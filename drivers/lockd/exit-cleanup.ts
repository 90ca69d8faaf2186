/**
 * Last-resort cleanup: daemons, owner processes and temp dirs a run started must not outlive it,
 * even when the run ends by SIGINT, SIGTERM or SIGHUP instead of its own `finally` blocks.
 * Each cleanup is synchronous (kill by pid, rmSync) because `exit` handlers cannot await.
 */
const cleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function runAll(): void {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of SIGNALS) {
    const handler = (): void => {
      runAll();
      // Alone on this signal we replaced its default action (exit): restore and re-raise it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
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
