// A worker thread that runs matrix cells. It loads the TypeScript sources through tsx's loader.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCell } = await import('./cell.ts');
const { slotBuffer } = await import('../drivers/registry/call-slot.ts');
const { DriverLoadError } = await import('../drivers/registry/errors.ts');

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
