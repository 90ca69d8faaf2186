/**
 * The parent side of an owner program (`owner-main.ts`): spawn a real owner process, have it
 * register itself with virtlockd, make calls through its own connection, kill it.
 *
 * The owner must be its own process: virtlockd kills the registered pid when that pid's own
 * connection closes while it holds locks, so the registering process can never be the test
 * runner or the process running the driver for libvirtd's side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LockError, lockError, type LockErrorData } from '../../contract/errors.ts';
import type { LockMode } from '../../contract/flags.ts';
import type { ExitStatus } from '../../system/process-state.ts';
import { cleanupOnExit, killQuietly } from '../../system/exit-cleanup.ts';
import { identify } from '../../system/process-identity.ts';
import { raceTimeout } from '../../system/race-timeout.ts';

const ENTRY = fileURLToPath(new URL('./owner-process.mjs', import.meta.url));

/** The lockd driver configuration the owner loads (as `drivers/lockd/config.ts` reads it). */
export type OwnerDriverConfig = Readonly<Record<string, unknown>>;

/** How the owner program is started. */
export interface OwnerSpawnOptions {
  /** The program's entry (default `owner-process.mjs`; real mode passes a prebuilt bundle). */
  readonly entry?: string;
  /** Its working directory (a core dump of a crashed owner lands there). */
  readonly cwd?: string;
  /** Its nice value while it starts (background spawns must not slow the run down). */
  readonly niceness?: number;
}

interface Waiter {
  readonly resolve: (message: Record<string, unknown>) => void;
  readonly reject: (error: LockError) => void;
}

/**
 * A running owner program.
 *
 * ```ts
 * const owner = await OwnerProcess.spawn({ socket });
 * await owner.register({ restrict: true });   // in the owner, with the owner's own pid
 * // … libvirtd's side acquires for owner.pid …
 * await owner.kill('SIGKILL');                // its connection closes: virtlockd releases
 * ```
 */
export class OwnerProcess {
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private status: ExitStatus | null = null;
  private readonly disposeCleanup: () => void;
  /** Resolves when the process has ended (and been reaped). */
  readonly exited: Promise<ExitStatus>;

  private constructor(private readonly child: ChildProcess, readonly pid: number) {
    const identity = identify(pid);
    this.disposeCleanup = cleanupOnExit(() => killQuietly(pid),
      identity ? { process: identity } : undefined);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.status = { code, signal };
      this.disposeCleanup();
      const gone = lockError('SYSTEM_ERROR', `owner process ${pid} exited ` +
        `(code ${code}, signal ${signal})`, { operation: 'owner' });
      for (const waiter of this.waiters.values()) waiter.reject(gone);
      this.waiters.clear();
      resolve(this.status);
    }));
  }

  /**
   * Starts an owner process and waits until it reports ready.
   * @throws SYSTEM_ERROR if it exits or stays silent for `readyTimeoutMs`.
   */
  static async spawn(config: OwnerDriverConfig, readyTimeoutMs = 15_000,
    options: OwnerSpawnOptions = {}): Promise<OwnerProcess> {
    const child = spawn(process.execPath, [options.entry ?? ENTRY, JSON.stringify(config)],
      { stdio: ['pipe', 'pipe', 'inherit'], ...(options.cwd ? { cwd: options.cwd } : {}) });
    if (child.pid === undefined) {
      child.once('error', () => {}); // reported here; unhandled, it would end this process
      throw lockError('SYSTEM_ERROR', 'could not start the owner process', { operation: 'owner' });
    }
    if (options.niceness !== undefined) setNice(child.pid, options.niceness);
    const owner = new OwnerProcess(child, child.pid);
    child.stdin!.on('error', () => {}); // EPIPE once it died: the exit handler reports it
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const message = parseLine(line);
        if (message?.['ready'] === true) resolve();
        else if (message) owner.answer(message);
      });
    });
    const outcome = await raceTimeout(
      Promise.race([ready.then(() => 'ready' as const), owner.exited]), readyTimeoutMs);
    if (outcome !== 'ready') {
      await owner.kill();
      const why = outcome === 'timeout' ? 'no answer' : JSON.stringify(outcome);
      throw lockError('SYSTEM_ERROR', `owner process ${child.pid} did not start (${why})`,
        { operation: 'owner' });
    }
    return owner;
  }

  get alive(): boolean {
    return this.status === null;
  }

  /** libvirt's child: REGISTER its own pid (REGISTER_ONLY), then RESTRICT if asked. */
  async register(options: {
    restrict: boolean;
    disks?: ReadonlyArray<readonly [string, LockMode]>;
  }): Promise<{ fd: number | null }> {
    const reply = await this.request({ op: 'register', restrict: options.restrict,
      disks: options.disks ?? [] });
    return { fd: typeof reply['fd'] === 'number' ? reply['fd'] : null };
  }

  /** A lock call through the owner's own registered connection. */
  async callOwn(operation: 'acquire' | 'release', disk: string,
    mode: LockMode = 'exclusive'): Promise<void> {
    await this.request({ op: 'call', operation, disk, mode });
  }

  /** The owner appends one record to `disk` (`records.ts`); resolves with its sequence number. */
  async write(disk: string): Promise<number> {
    return Number((await this.request({ op: 'write', disk }))['seq']);
  }

  /**
   * The owner closes its own connection while it lives (QEMU closing its leaked fd); resolves
   * with whether it had one. virtlockd may kill it for that before it answers: then this
   * rejects, and {@link exited} tells.
   */
  async dropConnection(): Promise<boolean> {
    return (await this.request({ op: 'drop' }))['closed'] === true;
  }

  /** Kills the owner (SIGKILL: a crash) and waits until it has been reaped. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    if (this.alive) killQuietly(this.pid, signal);
    return this.exited;
  }

  private request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (!this.alive) {
      return Promise.reject(lockError('SYSTEM_ERROR', `owner process ${this.pid} is gone`,
        { operation: 'owner' }));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  private answer(message: Record<string, unknown>): void {
    const waiter = this.waiters.get(Number(message['id']));
    if (!waiter) return;
    this.waiters.delete(Number(message['id']));
    if (message['ok'] === true) waiter.resolve(message);
    else waiter.reject(new LockError(message['error'] as LockErrorData));
  }
}

/** Sets a process's nice value; a process that is gone (or a refusal) changes nothing. */
export function setNice(pid: number, niceness: number): void {
  try {
    setPriority(pid, niceness);
  } catch {
    // ESRCH: it already died (spawn reports that); EACCES: we may not raise its priority.
  }
}

function parseLine(line: string): Record<string, unknown> | null {
  try {
    const message: unknown = JSON.parse(line);
    if (typeof message !== 'object' || message === null) return null;
    return message as Record<string, unknown>;
  } catch {
    return null; // not a protocol line
  }
}
