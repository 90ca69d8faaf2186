/**
 * The time budget of user-model calls. A model is synchronous code on the simulator's own
 * thread, so a call that never returns can only be noticed, and stopped, from another thread:
 *
 * - on the main thread, a small watchdog worker (`watchdog-worker.mjs`) reads the call slot
 *   (`call-slot.ts`) every tenth of the budget. When one call has run past the budget it tells
 *   this thread which call it was, then ends the stuck JavaScript through the inspector
 *   protocol (`Runtime.terminateExecution`, which V8 delivers even inside an endless loop). The
 *   message is handled as soon as the loop is gone: one line, the exit-time cleanups, status 2.
 *   Without an inspector it writes the line itself and SIGKILLs the process.
 * - in a worker thread (matrix cells, seed sweeps) the pool that started it watches its slot
 *   and terminates the worker (`matrix/pool.ts`).
 *
 * Nothing here reads a clock on the simulator's thread or changes what a run does: the budget
 * only ever ends a run that is stuck. Only user modules are watched.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { describeStep, originOf, readSlot, slotBuffer, SLOT_FUNCTIONS } from './call-slot.ts';

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

/** The line printed when a call overran (shared with the pool's watchdog). */
export function overrunMessage(origin: string, fn: string, step: number, budgetMs: number): string {
  return `driver module '${origin}': model function '${fn}' did not return within ` +
    `${budgetMs / 1000} s ${describeStep(step)} (an endless loop?)`;
}

let started = false;

/** Starts this thread's watchdog once (main thread only; a pool watches its workers). */
export function watchModelCalls(): void {
  if (started || !isMainThread) return;
  started = true;
  const budgetMs = modelBudgetMs();
  const worker = new Worker(new URL('./watchdog-worker.mjs', import.meta.url),
    { workerData: { slot: slotBuffer(), budgetMs } });
  worker.on('message', (overrun: { fn: number; step: number; module: number }) => {
    process.stderr.write(`lockchart: ${overrunMessage(originOf(overrun.module),
      SLOT_FUNCTIONS[overrun.fn] ?? 'a model function', overrun.step, budgetMs)}\n`);
    process.exit(2);
  });
  // A watchdog that cannot start leaves the run unwatched, not broken.
  worker.on('error', () => {});
  // After the listeners: adding a 'message' listener refs the worker again.
  worker.unref();
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
