/**
 * Last-resort cleanup: daemons, owner processes and temp dirs a run started must not outlive it,
 * even when the run ends by SIGINT, SIGTERM or SIGHUP instead of its own `finally` blocks.
 * Each cleanup is synchronous (kill by pid, rmSync) because `exit` handlers cannot await.
 */
/**
 * Marks a signal listener as a last-resort cleanup. lockchart has two cleanup registries (this
 * one and `drivers/supervisor/cleanup.ts`, which marks its listener the same way); a process
 * that loads both (real mode of lockd and of a kernel driver, as `lockchart matrix` may) must
 * still die of SIGINT, so each re-raises once every listener left is such a cleanup.
 */
export const CLEANUP_HANDLER = Symbol.for('lockchart.signal-cleanup');

/** Whether every listener of `signal` is a lockchart cleanup (none wants to handle it). */
export function onlyCleanupsListen(signal: NodeJS.Signals): boolean {
  return process.listeners(signal).every((listener) => CLEANUP_HANDLER in listener);
}

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
