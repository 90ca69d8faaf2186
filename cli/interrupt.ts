/**
 * Ctrl-C (SIGINT) during a long synchronous run — a simulation, an exploration — must stop it
 * and let the command say what was done and where the trace so far is. A JavaScript signal
 * handler cannot run while the thread is busy, so the run goes through `vm`'s `breakOnSigint`:
 * Node's own SIGINT watchdog interrupts the running code, which unwinds with an error this
 * catches. The state the run built is intact (every trace line is written whole), so the command
 * can report it. Without a SIGINT nothing differs: the function simply runs.
 */
import vm from 'node:vm';

/** Exit status after SIGINT, as a shell reports it (128 + 2). */
export const EXIT_INTERRUPTED = 130;

const SLOT = '__lockchartInterruptible';
const script = new vm.Script(`globalThis.${SLOT}()`, { filename: 'lockchart-interruptible' });

export type Interruptible<T> = { readonly interrupted: false; readonly value: T } |
  { readonly interrupted: true };

/** Runs `work` now; returns its value, or `interrupted` when SIGINT stopped it. */
export function runInterruptibly<T>(work: () => T): Interruptible<T> {
  const global = globalThis as Record<string, unknown>;
  let value: T;
  global[SLOT] = () => {
    value = work();
  };
  try {
    script.runInThisContext({ breakOnSigint: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') {
      return { interrupted: true };
    }
    throw error;
  } finally {
    delete global[SLOT];
  }
  return { interrupted: false, value: value! };
}

/**
 * Calls `onInterrupt` at SIGINT while `body` runs (asynchronous work: the thread is free to take
 * the signal). The body decides how to stop; the listener stays until it has, so that a second
 * Ctrl-C does not kill a run that is ending in order, and is removed after it.
 */
export async function withInterrupt<T>(onInterrupt: () => void, body: () => Promise<T>): Promise<T> {
  const listener = () => onInterrupt();
  process.on('SIGINT', listener);
  try {
    return await body();
  } finally {
    process.removeListener('SIGINT', listener);
  }
}
