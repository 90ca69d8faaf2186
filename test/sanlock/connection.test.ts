/**
 * The connection's rules that a live daemon cannot be made to exercise, against a scripted
 * server on a UNIX socket: a malformed reply is one clear RPC error, a registered connection is
 * never closed by a timeout or a bad reply (closing it would release the owner's leases), an
 * unregistered one is, and replies are matched first in, first out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import { SanlockConnection } from '../../drivers/sanlock/connection.ts';
import { Command, encodeHeader, Requests } from '../../drivers/sanlock/wire.ts';

interface Scripted {
  readonly path: string;
  /** Resolves with the server side of the next connection. */
  readonly next: () => Promise<Socket>;
  readonly server: Server;
  readonly dir: string;
  readonly peers: Socket[];
}

const servers: Scripted[] = [];
afterEach(async () => {
  for (const { server, dir, peers } of servers.splice(0)) {
    for (const peer of peers) peer.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});

async function scripted(): Promise<Scripted> {
  const dir = mkdtempSync(join(tmpdir(), 'slconn-'));
  const path = join(dir, 'sanlock.sock');
  const queue: Socket[] = [];
  const waiting: Array<(socket: Socket) => void> = [];
  const peers: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    peers.push(socket);
    const waiter = waiting.shift();
    if (waiter) waiter(socket);
    else queue.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const result = { path, server, dir, peers,
    next: () => new Promise<Socket>((resolve) => {
      const ready = queue.shift();
      if (ready) resolve(ready);
      else waiting.push(resolve);
    }) };
  servers.push(result);
  return result;
}

function reply(cmd: number, result: number): Buffer {
  return encodeHeader({ cmd: cmd as never, flags: 0, data: result, data2: 0 }, 0);
}

function closedByClient(socket: Socket): Promise<boolean> {
  socket.resume(); // flowing, so that the client's close is seen as an end of file
  return new Promise((resolve) => {
    socket.once('end', () => resolve(true));
    setTimeout(() => resolve(false), 300);
  });
}

describe('sanlock connection', () => {
  it('matches replies first in, first out', async () => {
    const server = await scripted();
    const connection = await SanlockConnection.open(server.path);
    const peer = await server.next();
    const first = connection.send(Requests.version(), Command.VERSION);
    const second = connection.send(Requests.inquire({ pid: 7 }), Command.INQUIRE);
    peer.write(Buffer.concat([reply(Command.VERSION, 0), reply(Command.INQUIRE, -3)]));
    expect((await first).header.result).toBe(0);
    expect((await second).header.result).toBe(-3);
    await connection.close();
  });

  it('a malformed reply is one clear RPC error; an unregistered connection is then closed', async () => {
    const server = await scripted();
    const connection = await SanlockConnection.open(server.path);
    const peer = await server.next();
    const pending = connection.send(Requests.version(), Command.VERSION);
    const closed = closedByClient(peer);
    peer.write(Buffer.alloc(32, 0xff));
    const error = await pending.catch((e: unknown) => e);
    expect(isLockError(error) && error.code).toBe('RPC');
    expect((error as Error).message).toBe('malformed sanlock reply: magic 0xffffffff (expected 0x4282010)');
    expect(await closed).toBe(true);
  });

  it('a registered connection survives a bad reply and a timeout: it is never closed for them', async () => {
    const server = await scripted();
    const connection = await SanlockConnection.open(server.path, { registered: true },
      Requests.register());
    const peer = await server.next();
    const closed = closedByClient(peer);
    const timedOut = await connection.send(Requests.inquire({ self: true }), Command.INQUIRE,
      { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(isLockError(timedOut) && timedOut.code).toBe('OPERATION_TIMEOUT');
    expect(connection.open).toBe(true);
    // The late reply is consumed and dropped; the next command gets its own reply.
    const next = connection.send(Requests.inquire({ self: true }), Command.INQUIRE);
    peer.write(Buffer.concat([reply(Command.INQUIRE, 0), reply(Command.INQUIRE, -1)]));
    expect((await next).header.result).toBe(-1);
    const bad = connection.send(Requests.version(), Command.VERSION);
    peer.write(reply(Command.ACQUIRE, 0));
    const error = await bad.catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/reply to ACQUIRE for a VERSION request/);
    expect(connection.open).toBe(false); // poisoned: no more commands …
    await expect(connection.send(Requests.version(), Command.VERSION)).rejects.toThrow(/ACQUIRE/);
    expect(await closed).toBe(false); // … but still connected: its leases are kept
    await connection.close();
  });

  it('an unregistered connection that times out is closed (it holds nothing)', async () => {
    const server = await scripted();
    const connection = await SanlockConnection.open(server.path, { timeoutMs: 20 });
    const peer = await server.next();
    const closed = closedByClient(peer);
    await expect(connection.send(Requests.version(), Command.VERSION)).rejects.toThrow(
      /no reply to VERSION .* within 20 ms: outcome unknown/);
    expect(await closed).toBe(true);
  });

  it('nothing listening is a SYSTEM_ERROR with the errno', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slconn-'));
    try {
      const error = await SanlockConnection.open(join(dir, 'none.sock')).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SYSTEM_ERROR', errno: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
