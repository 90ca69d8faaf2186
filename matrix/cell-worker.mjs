// A worker thread that runs matrix cells (compiled JavaScript, or the TypeScript sources through
// tsx's loader in a checkout: system/source-import.mjs).
import { parentPort } from 'node:worker_threads';
import { importSource } from '../system/source-import.mjs';

const load = (path) => importSource(new URL(path, import.meta.url));
const { runCell } = await load('./cell.ts');
const { slotBuffer } = await load('../drivers/registry/call-slot.ts');
const { DriverLoadError } = await load('../drivers/registry/errors.ts');

parentPort.on('message', async (message) => {
  try {
    parentPort.postMessage({ id: message.id, result: await runCell(message.spec) });
  } catch (error) {
    parentPort.postMessage({ id: message.id,
      error: error instanceof Error ? error.message : String(error),
      // A driver someone named that cannot load, or whose model misbehaved: one line for the user.
      driverProblem: error instanceof DriverLoadError });
  }
});
// The pool watches this slot: it is how a model call that never returns is noticed.
parentPort.postMessage({ ready: true, slot: slotBuffer() });
