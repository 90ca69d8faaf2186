// A worker thread that hosts the shards of parallel explorations (`coordinator.ts`), one at a
// time: compiled JavaScript, or the TypeScript sources through tsx's loader in a checkout. The
// thread outlives one exploration, so the interned statecharts it has stepped stay warm. It
// resolves its driver by name, so it only ever loads service models: no real driver's code
// (native addons such as fs-ext break in worker threads) is created here.
import { parentPort } from 'node:worker_threads';
import { importSource } from '../../../system/source-import.mjs';

const load = (path) => importSource(new URL(path, import.meta.url));
const { Shard } = await load('./shard.ts');
const { transferables } = await load('./transfer.ts');
const { resolveSimDriver } = await load('../../resolve-driver.ts');

let shard = null;
parentPort.on('message', async (request) => {
  try {
    if (request.kind === 'setup') {
      shard = new Shard(request.setup, await resolveSimDriver(request.setup.driverSpec));
      parentPort.postMessage({ reply: null });
      return;
    }
    const reply = shard.handle(request);
    parentPort.postMessage({ reply }, transferables(reply));
  } catch (error) {
    parentPort.postMessage({
      error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
  }
});
parentPort.postMessage({ ready: true });
