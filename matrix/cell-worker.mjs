// A worker thread that runs matrix cells. It loads the TypeScript sources through tsx's loader.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCell } = await import('./cell.ts');

parentPort.on('message', async (message) => {
  try {
    parentPort.postMessage({ id: message.id, result: await runCell(message.spec) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
