/**
 * One UNIX stream connection to the sanlock daemon, carrying one command at a time.
 *
 * sanlock replies carry no serial: the daemon stops reading a connection while a command on it
 * runs, and answers in order, so replies are matched first-in first-out and requests are queued
 * here until the previous reply is in.
 *
 * A *registered* connection is an owner's lease holder: when it closes, the daemon treats the
 * owner as dead and releases every lease it holds. So nothing here closes one behind its owner's
 * back. A wait that times out rejects its caller (OPERATION_TIMEOUT, outcome unknown) and leaves
 * the connection open, still expecting that reply; a malformed reply poisons the connection (every
 * later command fails with the same RPC error) but leaves it open too. Only `close()` closes it.
 * An unregistered connection holds nothing, and is simply destroyed on a timeout or a bad reply.
 */
import { createConnection, type Socket } from 'node:net';
import { constants } from 'node:os';
import { lockError, type LockError } from '../../contract/errors.ts';
import { ReplyReader } from './frame-reader.ts';
import { checkReply, commandName, type CommandCode, type Reply } from './wire.ts';

interface Waiter {
  readonly cmd: CommandCode;
  /** Null once its caller stopped waiting (timeout): the reply is then read and dropped. */
  settle: { resolve: (reply: Reply) => void; reject: (error: LockError) => void } | null;
}

export interface ConnectionOptions {
  /** The connection will carry a REGISTER: never closed by a timeout or a bad reply. */
  readonly registered?: boolean;
  /** Default wait for a reply (undefined: wait as long as the daemon takes, like libsanlock). */
  readonly timeoutMs?: number;
}

/** The errno number behind a Node system error, when there is one. */
export function errnoOf(error: unknown): number | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === undefined ? undefined : (constants.errno as Record<string, number>)[code];
}

export class SanlockConnection {
  private readonly reader = new ReplyReader();
  private readonly waiting: Waiter[] = [];
  private failure: LockError | null = null;
  private ended = false;
  private readonly closeListeners: Array<(reason: LockError) => void> = [];
  private readonly closed: Promise<void>;

  private constructor(readonly socketPath: string, private readonly socket: Socket,
    private readonly options: ConnectionOptions) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.end(transportError(error, socketPath)));
    socket.on('end', () => this.end(lockError('RPC',
      `the sanlock daemon closed the connection on '${socketPath}'`, { operation: 'read' })));
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.end(lockError('RPC', `connection to '${socketPath}' closed`, { operation: 'read' }));
      resolve();
    }));
  }

  /**
   * Connects to the daemon's socket. `first` is written in the same turn as the connect (a
   * REGISTER goes out before anything else can).
   * @throws SYSTEM_ERROR with the errno (ECONNREFUSED, ENOENT …) when nothing listens there.
   */
  static async open(socketPath: string, options: ConnectionOptions = {},
    first?: Buffer): Promise<SanlockConnection> {
    const socket = createConnection({ path: socketPath });
    const connection = new SanlockConnection(socketPath, socket, options);
    if (first) socket.write(first);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', (error) => reject(transportError(error, socketPath)));
      });
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return connection;
  }

  get registered(): boolean {
    return this.options.registered === true;
  }

  /** Whether the connection can still carry commands. */
  get open(): boolean {
    return this.failure === null && !this.ended;
  }

  /** The socket's file descriptor (libvirt leaks it into QEMU), or null. */
  get fd(): number | null {
    const handle = (this.socket as unknown as { _handle?: { fd?: number } })._handle;
    return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
  }

  /** Lets the process exit with this connection open (an owner's lives as long as it). */
  unref(): void {
    this.socket.unref();
  }

  /** Writes a request that gets no reply (REGISTER). */
  post(request: Buffer): void {
    if (!this.open) throw this.failure ?? this.gone();
    this.socket.write(request);
  }

  /** Sends one request and resolves with its checked reply. */
  send(request: Buffer, cmd: CommandCode, options: { timeoutMs?: number } = {}): Promise<Reply> {
    if (!this.open) return Promise.reject(this.failure ?? this.gone());
    const waiter: Waiter = { cmd, settle: null };
    const promise = new Promise<Reply>((resolve, reject) => {
      waiter.settle = { resolve, reject };
    });
    this.waiting.push(waiter);
    this.socket.write(request);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    if (timeoutMs === undefined) return promise;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Reply>((_resolve, reject) => {
      timer = setTimeout(() => {
        const settle = waiter.settle;
        waiter.settle = null; // the reply, if it comes, is read and dropped
        const error = lockError('OPERATION_TIMEOUT', `no reply to ${commandName(cmd)} from ` +
          `'${this.socketPath}' within ${timeoutMs} ms: outcome unknown`,
        { operation: commandName(cmd).toLowerCase() });
        settle?.reject(error);
        reject(error);
        if (!this.registered) this.end(error);
      }, timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Runs `listener` once the connection fails or closes, with the reason. */
  onClose(listener: (reason: LockError) => void): void {
    if (this.ended) listener(this.failure ?? this.gone());
    else this.closeListeners.push(listener);
  }

  /** Closes the connection (for a registered one: the daemon releases its leases). */
  async close(): Promise<void> {
    this.end(lockError('RPC', `connection to '${this.socketPath}' closed by the client`,
      { operation: 'close' }));
    this.socket.destroy();
    await this.closed;
  }

  private gone(): LockError {
    return lockError('RPC', `connection to '${this.socketPath}' is closed`, { operation: 'write' });
  }

  private receive(chunk: Buffer): void {
    if (this.failure) return; // poisoned: read and drop
    try {
      for (const reply of this.reader.push(chunk)) {
        const waiter = this.waiting.shift();
        if (waiter === undefined) {
          throw lockError('RPC', `an unexpected ${commandName(reply.header.cmd)} reply from ` +
            `'${this.socketPath}' (no request was waiting)`, { operation: 'read' });
        }
        let checked: Reply;
        try {
          checked = checkReply(reply, waiter.cmd);
        } catch (error) {
          waiter.settle?.reject(error as LockError);
          throw error;
        }
        waiter.settle?.resolve(checked);
      }
    } catch (error) {
      this.poison(error as LockError);
    }
  }

  /** A reply could not be understood: the framing is lost for good. */
  private poison(reason: LockError): void {
    this.failure = reason;
    for (const waiter of this.waiting.splice(0)) waiter.settle?.reject(reason);
    if (!this.registered) this.socket.destroy();
  }

  private end(reason: LockError): void {
    if (this.ended) return;
    this.ended = true;
    this.failure ??= reason;
    for (const waiter of this.waiting.splice(0)) waiter.settle?.reject(this.failure);
    if (!this.registered) this.socket.destroy();
    for (const listener of this.closeListeners.splice(0)) listener(this.failure);
  }
}

function transportError(error: Error, socketPath: string): LockError {
  const errno = errnoOf(error);
  return lockError('SYSTEM_ERROR', `Failed to talk to the sanlock daemon at '${socketPath}': ` +
    error.message, errno === undefined ? { operation: 'connect' } : { operation: 'connect', errno });
}
