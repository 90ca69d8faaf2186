/**
 * Runs matrix cells on a pool of worker threads (one per core by default), in a deterministic
 * result order whatever the completion order. Each cell is self-contained — driver name (or the
 * module path the user gave), seeds, steps — so a worker needs nothing but the spec, and results
 * are identical to an inline run.
 *
 * The pool is also the watchdog of its workers: a worker stuck in a user model's call (an
 * endless loop) past the budget is terminated and the run fails with one line naming the
 * function and the step (`drivers/registry/watchdog.ts`). An abort (Ctrl-C) terminates the
 * workers and returns the cells finished so far.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { modelBudgetMs, overrunIn } from '../drivers/registry/watchdog.ts';
import { DriverLoadError, ModelCallError } from '../drivers/registry/errors.ts';
import { describeStep } from '../drivers/registry/call-slot.ts';
import { runCell, type CellResult, type CellSpec } from './cell.ts';

export interface PoolOptions {
  /** Worker threads; 0 or 1 runs inline in this thread. */
  readonly workers?: number;
  readonly onResult?: (result: CellResult, done: number, total: number) => void;
  /** Stops the pool: running cells are abandoned, finished ones returned (others missing). */
  readonly signal?: AbortSignal;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** The results by spec index; a cell the pool was aborted before finishing is missing. */
export async function runCells(specs: readonly CellSpec[], options: PoolOptions = {}):
  Promise<(CellResult | undefined)[]> {
  const workers = Math.min(options.workers ?? defaultWorkers(), specs.length);
  const results: (CellResult | undefined)[] = new Array(specs.length);
  let done = 0;
  const finished = (index: number, result: CellResult) => {
    results[index] = result;
    options.onResult?.(result, ++done, specs.length);
  };
  if (workers <= 1) {
    for (let i = 0; i < specs.length && !options.signal?.aborted; i++) {
      finished(i, await runCell(specs[i]!));
    }
    return results;
  }
  let next = 0;
  const budgetMs = modelBudgetMs();
  const threads = [...Array(workers)].map(() =>
    new Worker(new URL('./cell-worker.mjs', import.meta.url)));
  const watched = threads.map(() => ({ slot: null as Int32Array | null, spec: -1,
    state: { sequence: -1, since: Date.now() } }));
  let watchdog: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolveAll, rejectAll) => {
      let running = threads.length;
      const stop = () => resolveAll();
      options.signal?.addEventListener('abort', stop, { once: true });
      watchdog = setInterval(() => {
        const now = Date.now();
        watched.forEach((watch) => {
          if (!watch.slot) return;
          const overrun = overrunIn(watch.slot, watch.state, now, budgetMs);
          if (!overrun) return;
          rejectAll(new ModelCallError(specs[watch.spec]?.driver ?? 'a user module', overrun.fn,
            `${describeStep(overrun.step)} (an endless loop?)`,
            `did not return within ${budgetMs / 1000} s`));
        });
      }, Math.max(10, Math.floor(budgetMs / 10)));
      threads.forEach((worker, slot) => {
        const feed = () => {
          if (next >= specs.length || options.signal?.aborted) {
            if (--running === 0) resolveAll();
            return;
          }
          const id = next++;
          watched[slot]!.spec = id;
          worker.postMessage({ id, spec: specs[id] });
        };
        worker.on('message', (message: { ready?: true; slot?: SharedArrayBuffer; id?: number;
          result?: CellResult; error?: string; driverProblem?: boolean }) => {
          if (message.slot) watched[slot]!.slot = new Int32Array(message.slot);
          if (message.error !== undefined) {
            rejectAll(message.driverProblem ? new DriverLoadError(message.error)
              : new Error(`matrix cell ${JSON.stringify(specs[message.id!])} failed: ${message.error}`));
            return;
          }
          if (message.result && message.id !== undefined) finished(message.id, message.result);
          feed();
        });
        worker.on('error', rejectAll);
        worker.on('exit', (code) => {
          if ((next < specs.length || code !== 0) && !options.signal?.aborted) {
            rejectAll(new Error(`matrix worker exited with code ${code}`));
          }
        });
      });
    });
  } finally {
    clearInterval(watchdog);
    await Promise.all(threads.map((worker) => worker.terminate()));
  }
  return results;
}
