/**
 * Runs matrix cells on a pool of worker threads (one per core by default), in a deterministic
 * result order whatever the completion order. Each cell is self-contained — driver name, seeds,
 * steps — so a worker needs nothing but the spec, and results are identical to an inline run.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { runCell, type CellResult, type CellSpec } from './cell.ts';

export interface PoolOptions {
  /** Worker threads; 0 or 1 runs inline in this thread. */
  readonly workers?: number;
  readonly onResult?: (result: CellResult, done: number, total: number) => void;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export async function runCells(specs: readonly CellSpec[], options: PoolOptions = {}):
  Promise<CellResult[]> {
  const workers = Math.min(options.workers ?? defaultWorkers(), specs.length);
  const results: CellResult[] = new Array(specs.length);
  let done = 0;
  const finished = (index: number, result: CellResult) => {
    results[index] = result;
    options.onResult?.(result, ++done, specs.length);
  };
  if (workers <= 1) {
    for (let i = 0; i < specs.length; i++) finished(i, await runCell(specs[i]!));
    return results;
  }
  let next = 0;
  const threads = [...Array(workers)].map(() =>
    new Worker(new URL('./cell-worker.mjs', import.meta.url)));
  try {
    await Promise.all(threads.map((worker) => new Promise<void>((resolve, reject) => {
      const feed = () => {
        if (next >= specs.length) {
          resolve();
          return;
        }
        const id = next++;
        worker.postMessage({ id, spec: specs[id] });
      };
      worker.on('message', (message: { ready?: true; id?: number; result?: CellResult; error?: string }) => {
        if (message.error !== undefined) {
          reject(new Error(`matrix cell ${JSON.stringify(specs[message.id!])} failed: ${message.error}`));
          return;
        }
        if (message.result && message.id !== undefined) finished(message.id, message.result);
        feed();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (next < specs.length || code !== 0) reject(new Error(`matrix worker exited with code ${code}`));
      });
    })));
  } finally {
    await Promise.all(threads.map((worker) => worker.terminate()));
  }
  return results;
}
