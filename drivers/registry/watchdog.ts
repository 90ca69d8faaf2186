/**
 * The time budget of user-model calls. A model is synchronous code on the simulator's own
 * thread, so a call that never returns can only be noticed, and stopped, from another thread:
 *
 * - on the main thread, a small watchdog worker (`watchdog-worker.mjs`) reads the call slot
 *   (`call-slot.ts`) every tenth of the budget. When one call has run past the budget it writes
 *   the one line, marks the slot, and ends the stuck JavaScript through the inspector protocol
 *   (`Runtime.terminateExecution`, which V8 delivers even inside an endless loop); the process
 *   then ends, its exit-time cleanups run, and it exits with status 2. Without an inspector the
 *   watchdog SIGKILLs the process after its line.
 * - in a worker thread (matrix cells, seed sweeps) the pool that started it watches its slot
 *   and terminates the worker (`matrix/pool.ts`).
 *
 * Nothing here reads a clock on the simulator's thread or changes what a run does: the budget
 * only ever ends a run that is stuck. Only user modules are watched.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { readSlot, slotBuffer, SLOT_FUNCTIONS, watchdogFired } from './call-slot.ts';

/** How long one model call may run (LOCKCHART_MODEL_BUDGET_MS overrides it, for tests). */
export function modelBudgetMs(): number {
  const text = process.env['LOCKCHART_MODEL_BUDGET_MS'];
  const value = text === undefined ? NaN : Number(text);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_BUDGET_MS;
}

/**
 * A model call costs microseconds; five seconds is a million times that, so a loaded machine
 * never trips it, and a user waits only a moment for the one line.
 */
export const DEFAULT_BUDGET_MS = 5000;

let watchdog: Worker | null = null;

/**
 * Watches this thread's guarded calls (main thread only; a pool watches its workers). The
 * watchdog writes the one line itself: once it stopped the stuck code the main thread may have
 * nothing left to run (a top-level await that will never settle), so it only sets status 2 as
 * the process exits, after the exit-time cleanups.
 */
export function watchModelCalls(module: number, origin: string): void {
  if (!isMainThread) return;
  if (!watchdog) {
    const worker = new Worker(new URL('./watchdog-worker.mjs', import.meta.url), {
      workerData: { slot: slotBuffer(), budgetMs: modelBudgetMs(), functions: SLOT_FUNCTIONS },
    });
    // A watchdog that cannot start leaves the run unwatched, not broken.
    worker.on('error', () => {});
    worker.unref();
    process.on('exit', () => {
      if (watchdogFired()) process.exitCode = 2;
    });
    watchdog = worker;
  }
  watchdog.postMessage({ module, origin });
}

/** For the pool: whether a worker's slot shows a call past the budget, and which. */
export function overrunIn(view: Int32Array, state: { sequence: number; since: number },
  now: number, budgetMs: number): ReturnType<typeof readSlot> | null {
  const current = readSlot(view);
  if (!current.active || current.sequence !== state.sequence) {
    state.sequence = current.active ? current.sequence : -1;
    state.since = now;
    return null;
  }
  return now - state.since >= budgetMs ? current : null;
}
