// The main thread's model-call watchdog (see watchdog.ts). Plain JavaScript: no loader needed.
import { writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

// The slot's words (call-slot.ts).
const [ACTIVE, SEQUENCE, FUNCTION, STEP, MODULE, FIRED] = [0, 1, 2, 3, 4, 5];
const { slot: buffer, budgetMs, functions } = workerData;
const slot = new Int32Array(buffer);
const origins = new Map();
parentPort.on('message', ({ module, origin }) => origins.set(module, origin));

const where = (step) => (step === -1 ? 'at set-up (before the first step)'
  : step === -2 ? 'while exploring' : `at step ${step}`);

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
  writeSync(2, `lockchart: driver module '${origins.get(slot[MODULE]) ?? 'a user module'}': model ` +
    `function '${functions[slot[FUNCTION]] ?? '?'}' did not return within ${budgetMs / 1000} s ` +
    `${where(slot[STEP])} (an endless loop?)\n`);
  Atomics.store(slot, FIRED, 1);
  try {
    const session = new Session();
    session.connectToMainThread();
    session.post('Runtime.terminateExecution');
  } catch {
    process.kill(process.pid, 'SIGKILL');
  }
}, Math.max(10, Math.floor(budgetMs / 10)));
