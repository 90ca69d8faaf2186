/**
 * The lockd RPC client against the real virtlockd: every daemon error the reference lists comes
 * back as a typed LockError carrying the daemon's code, domain and message; pipelined replies are
 * matched by serial; a silent daemon is OPERATION_TIMEOUT; a dead one is a typed transport error.
 */
import { createConnection } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { type LockError } from '../../contract/errors.ts';
import { LockdClient } from '../../drivers/lockd/client.ts';
import { FrameReader } from '../../drivers/lockd/frame-reader.ts';
import { neutralOwner } from '../../drivers/lockd/owners.ts';
import { encodeMessage, LOCKD_PROGRAM, type ProcedureCall } from '../../drivers/lockd/protocol.ts';
import { decodeReply, LockdRemoteError } from '../../drivers/lockd/remote-error.ts';
import { describeVirtlockd, Scratch } from './lockd-support.ts';
import { failure } from '../helpers/lock-error.ts';

const scratch = new Scratch();
afterEach(() => scratch.release());


const acquire = (name: string, flags = 0): ProcedureCall =>
  ({ procedure: 'ACQUIRE_RESOURCE', path: '', name, flags });
const release = (name: string, flags = 0): ProcedureCall =>
  ({ procedure: 'RELEASE_RESOURCE', path: '', name, flags });

describeVirtlockd('lockd client against virtlockd', () => {
  it('maps each daemon error to a typed LockError carrying code, domain and message', async () => {
    const daemon = await scratch.daemon();
    const disk = scratch.disk();
    const a = await LockdClient.connect(daemon.socketPath, { register: neutralOwner('a', 1) });
    const b = await LockdClient.connect(daemon.socketPath, { register: neutralOwner('b', 2) });
    const bare = await LockdClient.connect(daemon.socketPath);
    try {
      await a.call(acquire(disk));
      const cases: Array<[() => Promise<unknown>, string, number, number, RegExp]> = [
        [() => b.call(acquire(disk)), 'RESOURCE_BUSY', 87, 51, /is locked$/],
        [() => b.call(release(disk)), 'INTERNAL_ERROR', 1, 51, /does not hold the resource lock/],
        [() => bare.call(acquire(disk)), 'OPERATION_INVALID', 55, 7, /not been registered/],
        [() => a.call(acquire('/nonexistent/lockchart.img')), 'SYSTEM_ERROR', 38, 51,
          /No such file/],
        [() => a.call(release(disk, 1)), 'INVALID_ARG', 8, 7, /unsupported flags \(0x1\)/],
      ];
      for (const [call, code, remoteCode, domain, message] of cases) {
        const error = await failure(call());
        expect(error).toBeInstanceOf(LockdRemoteError);
        expect(error.code).toBe(code);
        expect((error as LockdRemoteError).remote).toMatchObject({ code: remoteCode, domain });
        expect(error.message).toMatch(message);
      }
      await a.call(release(disk));
      expect((await failure(a.call(release(disk)))).message).toMatch(/is not locked$/);
      await b.call({ procedure: 'RESTRICT', flags: 0 });
      const denied = await failure(b.call(acquire(disk)));
      expect([denied.code, (denied as LockdRemoteError).remote.code])
        .toEqual(['OPERATION_DENIED', 29]);
      const missing = await failure(a.call(acquire('/nonexistent/lockchart.img')));
      expect(missing.errno).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close(), bare.close()]);
    }
  });

  it('answers an unknown procedure with error 39 (RPC), decoded from raw bytes', async () => {
    const daemon = await scratch.daemon();
    const socket = createConnection({ path: daemon.socketPath });
    const reader = new FrameReader();
    const frames: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => frames.push(...reader.push(chunk)));
    socket.write(encodeMessage({ program: LOCKD_PROGRAM, version: 1, procedure: 9, type: 0,
      serial: 5, status: 0 }));
    const deadline = Date.now() + 5_000;
    while (frames.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    socket.destroy();
    const reply = decodeReply(frames[0]!);
    expect(reply).toMatchObject({ ok: false, header: { serial: 5, procedure: 9 },
      error: { code: 39, domain: 7, message: 'unknown procedure: 9' } });
  });

  it('pipelines calls in one write; each reply settles its own call, in order', async () => {
    const daemon = await scratch.daemon();
    const disk = scratch.disk();
    const client = await LockdClient.connect(daemon.socketPath, { register: neutralOwner('p', 3) });
    try {
      const outcomes = await Promise.allSettled(client.callMany([acquire(disk), acquire(disk),
        release(disk), release(disk), acquire(disk, 1), release(disk)]));
      const summary = outcomes.map((outcome) => outcome.status === 'fulfilled' ? 'ok'
        : (outcome.reason as LockError).message.replace(/^.*' /, ''));
      expect(summary).toEqual(['ok', 'is locked', 'ok', 'is not locked', 'ok', 'ok']);
    } finally {
      await client.close();
    }
  });

  it('reports a silent daemon as OPERATION_TIMEOUT and drops the late reply', async () => {
    const daemon = await scratch.daemon();
    const disk = scratch.disk();
    const client = await LockdClient.connect(daemon.socketPath, { register: neutralOwner('t', 4) });
    try {
      daemon.kill('SIGSTOP');
      const timedOut = await failure(client.call(acquire(disk), { timeoutMs: 200 }));
      expect(timedOut.code).toBe('OPERATION_TIMEOUT');
      expect(timedOut.message).toMatch(/outcome unknown/);
      daemon.kill('SIGCONT');
      // The acquire did happen: the late reply is dropped, the next call sees the lock.
      expect((await failure(client.call(acquire(disk)))).code).toBe('RESOURCE_BUSY');
      await client.call(release(disk));
    } finally {
      daemon.kill('SIGCONT');
      await client.close();
    }
  });

  it('reports a missing, dead or vanished daemon as typed transport errors', async () => {
    const daemon = await scratch.daemon();
    expect(await failure(LockdClient.connect(`${daemon.dir}/no-such-sock`)))
      .toMatchObject({ code: 'SYSTEM_ERROR', errno: 2 });
    const client = await LockdClient.connect(daemon.socketPath, { register: neutralOwner('d', 5) });
    const closed = new Promise<LockError>((resolve) => client.onClose(resolve));
    daemon.kill('SIGKILL');
    await daemon.waitExit();
    const reason = await closed;
    expect(['RPC', 'SYSTEM_ERROR']).toContain(reason.code);
    const late = await failure(client.call(acquire('/x')));
    expect(['RPC', 'SYSTEM_ERROR']).toContain(late.code);
    // The socket file outlives a killed daemon: nothing accepts on it any more.
    expect(await failure(LockdClient.connect(daemon.socketPath)))
      .toMatchObject({ code: 'SYSTEM_ERROR', errno: 111 });
  });
});
