// The main thread's model-call watchdog (see watchdog.ts). Plain JavaScript: no loader needed.
import { writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

const [ACTIVE, SEQUENCE, FUNCTION, STEP, MODULE] = [0, 1, 2, 3, 4];
const { slot: buffer, budgetMs } = workerData;
const slot = new Int32Array(buffer);
let sequence = -1;
let since = Date.now();

const timer = setInterval(() => {
  const now = Date.now();
  const active = Atomics.load(slot, ACTIVE) === 1;
  if (!active || slot[SEQUENCE] !== sequence) {
    sequence = active ? slot[SEQUENCE] : -1;
    since = now;
    return;
  }
  if (now - since < budgetMs) return;
  clearInterval(timer);
  parentPort.postMessage({ fn: slot[FUNCTION], step: slot[STEP], module: slot[MODULE] });
  try {
    const session = new Session();
    session.connectToMainThread();
    session.post('Runtime.terminateExecution');
  } catch {
    writeSync(2, 'lockchart: a user model call did not return within the time budget ' +
      '(an endless loop?); stopping\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, Math.max(10, Math.floor(budgetMs / 10)));
