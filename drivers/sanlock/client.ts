/**
 * A sanlock client in plain TypeScript (no native addon): what libsanlock does, over the
 * daemon's UNIX socket.
 *
 * - {@link SanlockClient}: commands that need no registration — on behalf of another registered
 *   pid (acquire, release, inquire: libsanlock's `sock == -1`), lockspace administration (add,
 *   remove, inquire, write) and lease formatting (write resource, align). Each opens a short
 *   connection of its own, as libsanlock does; closing one releases nothing.
 * - {@link Registration}: one registered connection = one lease owner (the calling process).
 *   Its leases live exactly as long as the connection, so it is never closed behind the owner's
 *   back (see `connection.ts`); after `restrict(ALL)` it refuses every command itself.
 *
 * Results become typed {@link SanlockError}s (`result-codes.ts`). Transient answers (paxos
 * contention, a lease still being released) are retried with jittered backoff from an injected
 * random source (`retry.ts`).
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockError } from '../../contract/errors.ts';
import { SanlockConnection } from './connection.ts';
import { isTransient, sanlockError, type SanlockOperation } from './result-codes.ts';
import { withRetries, type RetryPolicy } from './retry.ts';
import {
  Command,
  decodeStateBody,
  Requests,
  ResourceFlag,
  RestrictFlag,
  type CommandCode,
  type Reply,
  type SanlockDisk,
  type SanlockLockspace,
  type SanlockResource,
  type Target,
} from './wire.ts';

/** A uniform number in [0, 1) from the OS's CSPRNG: the real client's jitter source. */
export function cryptoRandom(): number {
  return randomInt(2 ** 47) / 2 ** 47;
}

/**
 * The real client's retry policy: up to 12 tries, pauses ≤ 5·2^k ms, never above 1 s. Two hosts
 * taking one shared lease at once hand the paxos lease back and forth; on a loaded machine each
 * round is slow, and 10 tries capped at 200 ms (about 1 s in all) ran out in a slow-tier run.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 12,
  baseMs: 5,
  capMs: 1000,
  random: cryptoRandom,
  sleep: (ms) => sleep(ms),
};

export interface SanlockClientOptions {
  /** The daemon's socket: `$SANLOCK_RUN_DIR/sanlock.sock` (default run dir `/run/sanlock`). */
  readonly socket: string;
  /**
   * Wait at most this long for a reply on an unregistered connection (undefined: as long as the
   * daemon takes, like libsanlock: a paxos acquire may legitimately block for a minute). A wait
   * that times out is OPERATION_TIMEOUT: the command may still take effect.
   */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
}

/** What INQUIRE reports for a pid: how many leases it holds and sanlock's state string. */
export interface Inquiry {
  readonly count: number;
  readonly state: string;
}

/** The default socket of a daemon whose run dir is `runDir`. */
export function socketIn(runDir: string): string {
  return `${runDir}/sanlock.sock`;
}

function describeTarget(target: Target): string {
  return 'self' in target ? 'for this registration' : `for pid ${target.pid}`;
}

function leaseNames(resources: readonly SanlockResource[]): string {
  return resources.map((r) => `${r.lockspace}:${r.name}`).join(', ') || '(no leases)';
}

/** Sends one command and gets its result; transient results are retried per `retry`. */
async function run(policy: RetryPolicy, operation: SanlockOperation, what: string,
  send: () => Promise<Reply>, shared = false): Promise<Reply> {
  const { value } = await withRetries(policy, async () => {
    const reply = await send();
    const code = reply.header.result;
    if (code >= 0) return { done: true, value: reply };
    const error = sanlockError(code, operation, what);
    if (isTransient(code, operation, shared)) return { done: false, error };
    throw error;
  });
  return value;
}

function anyShared(resources: readonly SanlockResource[]): boolean {
  return resources.some((resource) => (resource.flags & ResourceFlag.SHARED) !== 0);
}

/** See the module comment. */
export class SanlockClient {
  readonly socket: string;
  readonly retry: RetryPolicy;
  private readonly timeoutMs: number | undefined;

  constructor(options: SanlockClientOptions) {
    this.socket = options.socket;
    this.timeoutMs = options.timeoutMs;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** One request on a short connection of its own; its raw reply (any result). */
  async command(request: Buffer, cmd: CommandCode): Promise<Reply> {
    const connection = await SanlockConnection.open(this.socket,
      this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs });
    try {
      return await connection.send(request, cmd);
    } finally {
      await connection.close();
    }
  }

  private once(operation: SanlockOperation, what: string, request: () => Buffer,
    cmd: CommandCode, retry: Partial<RetryPolicy> = {}, shared = false): Promise<Reply> {
    return run({ ...this.retry, ...retry }, operation, what, () => this.command(request(), cmd),
      shared);
  }

  /** The daemon's version, e.g. 0x03080500 for 3.8.5. */
  async version(): Promise<number> {
    const reply = await this.once('version', '', Requests.version, Command.VERSION,
      { attempts: 1 });
    return reply.header.data2 >>> 0;
  }

  /** The alignment (bytes) a lease area on `disk` needs: 1 MiB for 512-byte sectors. */
  async align(disk: SanlockDisk): Promise<number> {
    const reply = await this.once('align', `of ${disk.path}`, () => Requests.align(disk),
      Command.ALIGN, { attempts: 1 });
    return reply.header.result;
  }

  /** Formats a lockspace's delta leases on disk, storing `ioTimeoutS` in its leader. */
  async writeLockspace(lockspace: SanlockLockspace, ioTimeoutS = 0): Promise<void> {
    await this.once('write_lockspace', `${lockspace.name} on ${lockspace.disk.path}`,
      () => Requests.writeLockspace(lockspace, ioTimeoutS), Command.WRITE_LOCKSPACE,
      { attempts: 1 });
  }

  /** Formats one paxos lease on disk (libvirt's `sanlock_init(NULL, res, 0, 0)`). */
  async writeResource(resource: SanlockResource): Promise<void> {
    await this.once('write_resource', `${resource.lockspace}:${resource.name}`,
      () => Requests.writeResource(resource), Command.WRITE_RESOURCE, { attempts: 1 });
  }

  /**
   * Joins a lockspace with its host_id: resolves when the delta lease is held (3 s with
   * io_timeout 1 on disk, 21 s with the default 10). Raw result: 0, or -EEXIST when already
   * joined, -EINPROGRESS while being joined or left; other errors throw.
   */
  async addLockspace(lockspace: SanlockLockspace, ioTimeoutS = 0, flags = 0): Promise<number> {
    return this.lockspaceCommand('add_lockspace', lockspace,
      () => Requests.addLockspace(lockspace, ioTimeoutS, flags), Command.ADD_LOCKSPACE,
      [-17, -115]);
  }

  /** Leaves a lockspace (the daemon kills the pids still using it). Raw result: 0 or -ENOENT. */
  async remLockspace(lockspace: SanlockLockspace, flags = 0): Promise<number> {
    return this.lockspaceCommand('rem_lockspace', lockspace,
      () => Requests.remLockspace(lockspace, flags), Command.REM_LOCKSPACE, [-2, -115]);
  }

  /** 0 when joined, -ENOENT when not, -EINPROGRESS while joining (INQ_WAIT waits instead). */
  async inqLockspace(lockspace: SanlockLockspace, flags = 0): Promise<number> {
    return this.lockspaceCommand('inq_lockspace', lockspace,
      () => Requests.inqLockspace(lockspace, flags), Command.INQ_LOCKSPACE, [-2, -115]);
  }

  private async lockspaceCommand(operation: SanlockOperation, lockspace: SanlockLockspace,
    request: () => Buffer, cmd: CommandCode, expected: readonly number[]): Promise<number> {
    const what = `${lockspace.name}:${lockspace.hostId}:${lockspace.disk.path}:` +
      `${lockspace.disk.offset}`;
    const { value } = await withRetries(this.retry, async () => {
      const code = (await this.command(request(), cmd)).header.result;
      if (code >= 0 || expected.includes(code)) return { done: true, value: code };
      const error = sanlockError(code, operation, what);
      if (isTransient(code, operation)) return { done: false, error };
      throw error;
    });
    return value;
  }

  /** Acquires leases for another, registered, pid (`sanlock_acquire(-1, pid, …)`). */
  async acquire(pid: number, resources: readonly SanlockResource[], ownerName: string,
    flags = 0): Promise<void> {
    const target = { pid };
    await this.once('acquire', `${leaseNames(resources)} ${describeTarget(target)}`,
      () => Requests.acquire(resources, target, ownerName, flags), Command.ACQUIRE, {},
      anyShared(resources));
  }

  /** Releases leases of another, registered, pid (`sanlock_release(-1, pid, …)`). */
  async release(pid: number, resources: readonly SanlockResource[], flags = 0): Promise<void> {
    const target = { pid };
    await this.once('release', `${leaseNames(resources)} ${describeTarget(target)}`,
      () => Requests.release(resources, target, flags), Command.RELEASE);
  }

  /** The leases a registered pid holds; -ESRCH (OPERATION_INVALID) when it is not registered. */
  async inquire(pid: number): Promise<Inquiry> {
    const target = { pid };
    const reply = await this.once('inquire', describeTarget(target),
      () => Requests.inquire(target), Command.INQUIRE);
    return { count: reply.header.data2, state: decodeStateBody(reply.body) };
  }

  /** Whether `pid` has a registered connection (libvirt's probe: an inquire that is not -ESRCH). */
  async isRegistered(pid: number): Promise<boolean> {
    const reply = await this.command(Requests.inquire({ pid }), Command.INQUIRE);
    return reply.header.result >= 0;
  }

  /**
   * Registers the calling process as a lease owner on a connection of its own. With `confirm`
   * (default), an INQUIRE on it proves the daemon has processed the REGISTER, which has no reply.
   */
  async register(options: { confirm?: boolean } = {}): Promise<Registration> {
    const connection = await SanlockConnection.open(this.socket, { registered: true },
      Requests.register());
    const registration = new Registration(connection, this.retry);
    if (options.confirm ?? true) {
      try {
        await registration.inquire();
      } catch (error) {
        await connection.close();
        throw error;
      }
    }
    return registration;
  }
}

/** One registered connection: the lease owner is the process that opened it (see header). */
export class Registration {
  private restrictedFlags = 0;

  constructor(private readonly connection: SanlockConnection, private readonly retry: RetryPolicy) {}

  /** The connection's fd: what libvirt leaks into QEMU. */
  get fd(): number | null {
    return this.connection.fd;
  }

  get open(): boolean {
    return this.connection.open;
  }

  /** The RESTRICT flags applied so far. */
  get restricted(): number {
    return this.restrictedFlags;
  }

  /** Lets the process exit with the registration open (it ends with the process). */
  unref(): void {
    this.connection.unref();
  }

  /** Runs `listener` once the connection is gone (the daemon released its leases). */
  onClose(listener: () => void): void {
    this.connection.onClose(() => listener());
  }

  private async call(operation: SanlockOperation, what: string, request: () => Buffer,
    cmd: CommandCode, shared = false): Promise<Reply> {
    if (this.restrictedFlags & RestrictFlag.ALL) {
      // sanlock 3.8.5 answers nothing on a RESTRICT_ALL connection, and a request whose length
      // is not a multiple of 32 bytes wedges its main loop until this process exits
      // (docs/sanlock.md). So the refusal happens here, before a byte is sent.
      throw lockError('OPERATION_DENIED', `sanlock ${operation} ${what}: the registered ` +
        'connection is restricted (SANLK_RESTRICT_ALL): no further command may use it',
      { operation, driver: 'sanlock' });
    }
    return run(this.retry, operation, what, () => this.connection.send(request(), cmd), shared);
  }

  /** Acquires leases for this owner. */
  async acquire(resources: readonly SanlockResource[], ownerName: string, flags = 0):
    Promise<void> {
    await this.call('acquire', `${leaseNames(resources)} for this registration`,
      () => Requests.acquire(resources, { self: true }, ownerName, flags), Command.ACQUIRE,
      anyShared(resources));
  }

  async release(resources: readonly SanlockResource[], flags = 0): Promise<void> {
    await this.call('release', `${leaseNames(resources)} for this registration`,
      () => Requests.release(resources, { self: true }, flags), Command.RELEASE);
  }

  async inquire(): Promise<Inquiry> {
    const reply = await this.call('inquire', 'for this registration',
      () => Requests.inquire({ self: true }), Command.INQUIRE);
    return { count: reply.header.data2, state: decodeStateBody(reply.body) };
  }

  /** `sanlock_restrict`: ALL refuses every later command; SIGKILL/SIGTERM pick the kill signal. */
  async restrict(flags: number): Promise<void> {
    await this.call('restrict', 'on this registration', () => Requests.restrict(flags),
      Command.RESTRICT);
    this.restrictedFlags |= flags;
  }

  /**
   * `sanlock_killpath`: the program the daemon runs (instead of SIGTERM) when this owner's
   * lockspace fails; with KillpathFlag.PID the pid is appended to `args`.
   */
  async killpath(path: string, args: string, flags = 0): Promise<void> {
    await this.call('killpath', path, () => Requests.killpath(path, args, flags),
      Command.KILLPATH);
  }

  /**
   * Writes raw bytes on the registered connection, bypassing every check including the
   * restriction (hazard reproductions only: `hazards.ts`).
   */
  writeRaw(bytes: Buffer): void {
    this.connection.post(bytes);
  }

  /** Closes the registration: the daemon releases every lease it holds. */
  async close(): Promise<void> {
    await this.connection.close();
  }
}
