/**
 * A virtlockd RPC client over one UNIX stream connection.
 *
 * - Serials start at 0 and grow by one per call; replies come back in order, each matched to
 *   its call by serial and procedure. Calls may be pipelined (many in one write).
 * - Every call has a timeout. virtlockd's SIGUSR1 re-exec can drop a reply that was already
 *   queued, after the call took effect, so a timeout means *outcome unknown*: it is reported as
 *   OPERATION_TIMEOUT, never as a plain failure. A reply that arrives for a later serial proves
 *   the earlier ones lost, and they fail the same way at once.
 * - Daemon errors become {@link LockdRemoteError}s carrying the daemon's code, domain, message.
 * - Transport failures are typed too: ECONNREFUSED/ENOENT at connect and EPIPE/ECONNRESET later
 *   are SYSTEM_ERROR with the errno; EOF is RPC; a malformed reply is RPC and closes the
 *   connection (its framing can no longer be trusted).
 *
 * Connections should REGISTER at once ({@link ConnectOptions.register}): virtlockd 9.0.0 exits,
 * dropping every lock, if SIGUSR1 finds a connection that has not registered (reference §5).
 * That narrows the window without closing it: virtlockd accepts a connection before it reads
 * the first request, so a SIGUSR1 just then still exits (`docs/real-mode.md`, lockd finding 3).
 */
import { createConnection, type Socket } from 'node:net';
import { constants } from 'node:os';
import { lockError, type LockError } from '../../contract/errors.ts';
import { FrameReader } from './frame-reader.ts';
import { encodeCall, Procedure, type LockOwner, type ProcedureCall } from './protocol.ts';
import { decodeReply, toLockError } from './remote-error.ts';

/** libvirt blocks forever; we do not. Above virtlockd's 3 s kill-loop stall, with margin. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/** How {@link LockdClient.connect} sets a connection up. */
export interface ConnectOptions {
  /** Per-call timeout for calls that do not give their own. */
  readonly timeoutMs?: number;
  /** Sent in the same write as the connection is made: unregistered only until it is read. */
  readonly register?: LockOwner;
}

interface Pending {
  readonly procedure: ProcedureCall['procedure'];
  readonly resolve: () => void;
  readonly reject: (error: LockError) => void;
  readonly timer: NodeJS.Timeout;
}

/** The errno number behind a Node system error, when there is one. */
export function errnoOf(error: unknown): number | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === undefined ? undefined : (constants.errno as Record<string, number>)[code];
}

/**
 * One connection to virtlockd (see the module comment).
 *
 * ```ts
 * const client = await LockdClient.connect(socket, { register: owner });
 * await client.call({ procedure: 'ACQUIRE_RESOURCE', path: '', name: '/images/a.img', flags: 0 });
 * await client.close();
 * ```
 */
export class LockdClient {
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextSerial = 0;
  private failure: LockError | null = null;
  private readonly closeListeners: Array<(reason: LockError) => void> = [];
  private readonly closedPromise: Promise<void>;

  private constructor(
    readonly socketPath: string,
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(transportError(error, socketPath,
      socket.connecting ? 'connect' : 'io')));
    socket.on('end', () => this.fail(lockError('RPC',
      `virtlockd closed the connection on '${socketPath}' (end of file)`, { operation: 'read' })));
    this.closedPromise = new Promise((resolve) => socket.once('close', () => {
      this.fail(lockError('RPC', `connection to '${socketPath}' closed`, { operation: 'read' }));
      resolve();
    }));
  }

  /**
   * Connects to a virtlockd socket, optionally registering in the very first write.
   * @throws SYSTEM_ERROR (with errno) when nothing listens there; whatever REGISTER reports.
   */
  static async connect(socketPath: string, options: ConnectOptions = {}): Promise<LockdClient> {
    const socket = createConnection({ path: socketPath });
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const client = new LockdClient(socketPath, socket, timeoutMs);
    const registered = options.register
      ? client.call({ procedure: 'REGISTER', owner: options.register, flags: 0 })
      : null;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', (error) => reject(transportError(error, socketPath, 'connect')));
      });
      if (registered) await registered;
    } catch (error) {
      registered?.catch(() => {});
      await client.close();
      throw error;
    }
    return client;
  }

  /** Whether the connection can still carry calls. */
  get open(): boolean {
    return this.failure === null;
  }

  /** The connection's file descriptor (libvirt leaks it into QEMU), or null. */
  get fd(): number | null {
    const handle = (this.socket as unknown as { _handle?: { fd?: number } })._handle;
    return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
  }

  /** Calls one procedure; resolves on an OK reply. */
  call(call: ProcedureCall, options: { timeoutMs?: number } = {}): Promise<void> {
    return this.callMany([call], options)[0]!;
  }

  /** Pipelines calls in one write; each promise settles with its own reply. */
  callMany(calls: readonly ProcedureCall[], options: { timeoutMs?: number } = {}): Promise<void>[] {
    const frames: Buffer[] = [];
    const promises = calls.map((call) => {
      if (this.failure) return Promise.reject(this.failure);
      const serial = this.nextSerial++;
      frames.push(encodeCall(serial, call));
      return this.expect(serial, call.procedure, options.timeoutMs ?? this.timeoutMs);
    });
    if (frames.length === 1) this.socket.write(frames[0]!);
    else if (frames.length > 1) this.socket.write(Buffer.concat(frames));
    return promises;
  }

  /**
   * Lets the process exit while this connection is open (an owner's own connection lives
   * exactly as long as the process, like the fd libvirt leaks into QEMU).
   */
  unref(): void {
    this.socket.unref();
  }

  /** Writes raw bytes, bypassing the codec (fault and hazard tests). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Runs `listener` once when the connection fails or closes, with the reason. */
  onClose(listener: (reason: LockError) => void): void {
    if (this.failure) listener(this.failure);
    else this.closeListeners.push(listener);
  }

  /** Closes the connection; pending calls fail. Resolves once the socket is closed. */
  async close(): Promise<void> {
    this.fail(lockError('RPC', `connection to '${this.socketPath}' closed by the client`,
      { operation: 'close' }));
    await this.closedPromise;
  }

  private expect(serial: number, procedure: Pending['procedure'], timeoutMs: number) {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(lockError('OPERATION_TIMEOUT', `no reply to ${procedure} (serial ${serial}) from ` +
          `'${this.socketPath}' within ${timeoutMs} ms: outcome unknown`,
          { operation: procedure }));
      }, timeoutMs);
      this.pending.set(serial, { procedure, resolve, reject, timer });
    });
  }

  private receive(chunk: Buffer): void {
    try {
      for (const frame of this.reader.push(chunk)) this.dispatch(frame);
    } catch (error) {
      this.fail(error as LockError);
    }
  }

  private dispatch(frame: Buffer): void {
    const reply = decodeReply(frame);
    const { serial, procedure } = reply.header;
    const call = this.pending.get(serial);
    if (call === undefined) {
      // A late reply to a call that already timed out: its outcome stays unknown to the caller.
      if (serial < this.nextSerial) return;
      throw lockError('RPC', `reply for serial ${serial}, which was never sent`,
        { operation: 'read' });
    }
    this.loseEarlierThan(serial);
    this.pending.delete(serial);
    clearTimeout(call.timer);
    if (procedure !== Procedure[call.procedure]) {
      const mismatch = lockError('RPC', `reply to procedure ${procedure} for a ` +
        `${call.procedure} call (serial ${serial})`, { operation: 'read' });
      call.reject(mismatch);
      throw mismatch;
    }
    if (reply.ok) call.resolve();
    else call.reject(toLockError(reply.error, { operation: call.procedure }));
  }

  /** Replies are in order: a reply to `serial` means every earlier reply was lost. */
  private loseEarlierThan(serial: number): void {
    for (const [earlier, call] of this.pending) {
      if (earlier >= serial) break;
      this.pending.delete(earlier);
      clearTimeout(call.timer);
      call.reject(lockError('OPERATION_TIMEOUT', `the reply to ${call.procedure} (serial ` +
        `${earlier}) was lost (a later reply arrived first): outcome unknown`,
        { operation: call.procedure }));
    }
  }

  private fail(reason: LockError): void {
    if (this.failure) return;
    this.failure = reason;
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(reason);
    }
    this.pending.clear();
    this.socket.destroy();
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}

function transportError(error: Error, socketPath: string, operation: string): LockError {
  const errno = errnoOf(error);
  const what = operation === 'connect' ? 'Failed to connect socket to' : 'I/O error on socket';
  return lockError('SYSTEM_ERROR', `${what} '${socketPath}': ${error.message}`,
    errno === undefined ? { operation } : { operation, errno });
}
