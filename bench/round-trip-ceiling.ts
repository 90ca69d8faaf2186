/**
 * The ceilings under the request/reply figures: bare round trips to an echo child over the same
 * kind of channel the driver uses (a node IPC channel for posix, a UNIX socket for lockd), with
 * no lock work at all. On an idle multi-CPU VM each round trip wakes the other CPU, and that
 * wake-up sets both these and the drivers' figures; pinned to one CPU they rise several-fold.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { rate } from './harness.ts';

const ROUND_MS = 300;
const IPC_ECHO = "process.on('message', (m) => process.send(m));";
const SOCKET_ECHO = "const net = require('node:net');" +
  "net.createServer((s) => s.pipe(s)).listen(process.argv[1], () => process.send('ready'));";

async function bestOf(body: () => Promise<unknown>): Promise<number> {
  let best = 0;
  for (let round = 0; round < 3; round++) best = Math.max(best, await rate(body, ROUND_MS));
  return best;
}

/** Round trips per second over a bare node IPC channel, best of three rounds. */
export async function ipcRoundTrips(): Promise<number> {
  const echo = spawn(process.execPath, ['-e', IPC_ECHO],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    return await bestOf(() => new Promise((resolve) => {
      echo.once('message', resolve);
      echo.send(0);
    }));
  } finally {
    echo.kill('SIGKILL');
  }
}

/** Round trips per second of one byte over a UNIX socket to an echo child, best of three. */
export async function socketRoundTrips(dir: string): Promise<number> {
  const path = join(dir, 'echo.sock');
  const echo = spawn(process.execPath, ['-e', SOCKET_ECHO, path],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await once(echo, 'message');
    const socket = createConnection(path);
    await once(socket, 'connect');
    const byte = Buffer.from([1]);
    const result = await bestOf(() => new Promise((resolve) => {
      socket.once('data', resolve);
      socket.write(byte);
    }));
    socket.destroy();
    return result;
  } finally {
    echo.kill('SIGKILL');
  }
}
