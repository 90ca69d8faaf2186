/**
 * A private virtlockd for tests, benchmarks and fault injection.
 *
 * virtlockd's own socket path is fixed (`/run/libvirt/virtlockd-sock`), so each daemon here is
 * started through systemd socket activation on a socket in its own temp dir:
 * `systemd-socket-activate -l SOCK --fdname=virtlockd.socket virtlockd -p PIDFILE -f CONF`.
 * The launcher execs virtlockd in place at the first connection, so the child's pid *is* the
 * daemon's pid, across SIGUSR1 re-execs too. Several daemons may run at once ("hosts").
 *
 * Every daemon keeps one *keeper* connection, registered with a neutral identity in its first
 * write. It answers readiness and re-exec probes without opening new (briefly unregistered)
 * connections, and it keeps the daemon busy so its idle timeout (`-t`) only fires once this
 * process is gone: a last line of defence if the run is SIGKILLed and no cleanup can run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockError, type LockError } from '../contract/errors.ts';
import { LockdClient } from '../drivers/lockd/client.ts';
import { cleanupOnExit, killQuietly } from '../system/exit-cleanup.ts';
import { identify } from '../system/process-identity.ts';
import { ensureReaper, reapIfOrphaned } from '../system/reaper.ts';
import { neutralOwner } from '../drivers/lockd/owners.ts';
import { raceTimeout } from '../system/race-timeout.ts';
import { REEXEC_STATE_FILE, watchStateFileConsumed, withReexecLock } from './virtlockd-reexec-lock.ts';
import type { ExitStatus } from '../system/process-state.ts';

/** Debian's virtlockd (libvirt-daemon). */
export const VIRTLOCKD_BINARY = '/usr/sbin/virtlockd';
/** systemd's stand-alone socket activator (package systemd). */
export const SOCKET_ACTIVATOR = 'systemd-socket-activate';
/** The longest path a UNIX socket may have on Linux (sun_path's 108 bytes, NUL included). */
const SOCKET_PATH_MAX = 107;

/** How a private daemon is started. */
export interface VirtlockdOptions {
  readonly binary?: string;
  readonly activator?: string;
  /** virtlockd's `log_level` (1 debug … 4 error). */
  readonly logLevel?: number;
  /** `-t`: exit after this many idle seconds (no clients); 0 disables it. */
  readonly idleTimeoutS?: number;
  /** How long start, ready and re-exec may take. */
  readonly readyTimeoutMs?: number;
  /** Where the private temp dir is made. */
  readonly parentDir?: string;
  /**
   * A command prefix the activator is run under, e.g. the libvirt helper's `exec-pdeath PID --`,
   * so the daemon dies with this process even when it is SIGKILLed (the prefix execs in place:
   * the daemon's pid is unchanged).
   */
  readonly wrapper?: readonly string[];
  /**
   * The wrapper gives the daemon a private /run (the libvirt helper's `exec-pdeath
   * --private-run`). virtlockd keeps its re-exec state at the fixed path
   * `/run/virtlockd-restart-exec.json`, and every virtlockd that *starts* anywhere on the
   * machine reads and unlinks that file: one starting while another re-execs steals its state,
   * and the re-exec'd daemon comes back empty — every lock lost — and binds its default sockets
   * in the machine's `/run/libvirt` (seen in real mode while other test runs started daemons).
   * With a private /run the state file is the daemon's alone: re-execs need no machine-wide
   * lock, and nothing can land in the machine's /run.
   */
  readonly privateRun?: boolean;
}


/**
 * One private virtlockd (see the module comment).
 *
 * ```ts
 * const daemon = await VirtlockdDaemon.start();
 * try {
 *   // use daemon.socketPath; daemon.reexec(), daemon.kill('SIGKILL'), daemon.restart() …
 * } finally {
 *   await daemon.stop();
 * }
 * ```
 */
export class VirtlockdDaemon {
  private child: ChildProcess | null = null;
  private exit: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private keeper: LockdClient | null = null;
  private probeError: LockError | null = null;
  private disposeCleanup: () => void = () => {};
  /** How the last daemon process ended, once it did. */
  lastExit: ExitStatus | null = null;

  private constructor(readonly dir: string, private readonly options: VirtlockdOptions) {}

  /** Starts a daemon in a new temp dir and waits until it answers. */
  static async start(options: VirtlockdOptions = {}): Promise<VirtlockdDaemon> {
    // Short: the socket path inside must fit a sockaddr_un (SOCKET_PATH_MAX).
    ensureReaper();
    const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), 'virtlockd-'));
    const daemon = new VirtlockdDaemon(dir, options);
    daemon.disposeCleanup = cleanupOnExit(() => daemon.killNow(), { path: dir });
    try {
      writeFileSync(daemon.confFile, [
        `log_level = ${options.logLevel ?? 3}`,
        `log_outputs = "${options.logLevel ?? 3}:file:${daemon.logFile}"`,
        '',
      ].join('\n'));
      await daemon.launch();
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    return daemon;
  }

  get socketPath(): string {
    return join(this.dir, 'virtlockd-sock');
  }
  get pidFile(): string {
    return join(this.dir, 'virtlockd.pid');
  }
  get confFile(): string {
    return join(this.dir, 'virtlockd.conf');
  }
  get logFile(): string {
    return join(this.dir, 'virtlockd.log');
  }

  /** The daemon's pid (the same across re-execs; a new one after `restart`). */
  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw lockError('OPERATION_INVALID', 'virtlockd is not running');
    return pid;
  }

  get running(): boolean {
    return this.child !== null && this.lastExit === null;
  }

  /** Sends a signal to the daemon (fault injection). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /**
   * Waits for the daemon process to end.
   * @throws OPERATION_TIMEOUT if it is still running after `timeoutMs`.
   */
  async waitExit(timeoutMs = 10_000): Promise<ExitStatus> {
    const outcome = await raceTimeout(this.exit, timeoutMs);
    if (outcome === 'timeout') {
      throw lockError('OPERATION_TIMEOUT',
        `virtlockd ${this.pid} still running after ${timeoutMs} ms`);
    }
    return outcome;
  }

  /**
   * SIGUSR1: virtlockd re-executes itself in place, keeping its locks, clients and pid.
   * Serialised across processes (the state file's path is fixed). Resolves once the new image
   * answers on the keeper connection and has consumed its state file. `beforeSignal` runs, with
   * the lock held, just before SIGUSR1 is sent (to have a request arrive as the daemon goes).
   * `whileStopped` runs with the daemon held by SIGSTOP; SIGUSR1 is sent before SIGCONT, so
   * whatever the callback did (a connect, a first write) waits in the kernel and the daemon
   * meets it in the same poll as the signal: a race made deterministic.
   * @throws OPERATION_FAILED when the daemon exits instead (see {@link lastExit}).
   */
  async reexec(options: {
    readonly beforeSignal?: () => void;
    readonly whileStopped?: () => Promise<void>;
  } = {}): Promise<void> {
    const serialised = this.options.privateRun ? <T>(body: () => Promise<T>) => body()
      : withReexecLock;
    await serialised(async () => {
      const pid = this.pid;
      const timeoutMs = this.options.readyTimeoutMs ?? 15_000;
      // A private /run is reached through the daemon's own root (its mount namespace).
      const state = watchStateFileConsumed(this.options.privateRun
        ? `/proc/${pid}/root${REEXEC_STATE_FILE}` : REEXEC_STATE_FILE);
      try {
        options.beforeSignal?.();
        if (options.whileStopped) {
          process.kill(pid, 'SIGSTOP');
          try {
            await options.whileStopped();
            process.kill(pid, 'SIGUSR1');
          } finally {
            process.kill(pid, 'SIGCONT');
          }
        } else {
          process.kill(pid, 'SIGUSR1');
        }
        await raceTimeout(Promise.race([state.consumed, this.exit]), timeoutMs);
      } finally {
        state.close();
      }
      // Each probe may wait for the rest of the deadline: a daemon slowed down by load (or
      // flooded by a client) answers late, and a late answer is an answer.
      const deadline = Date.now() + timeoutMs;
      while (this.running && Date.now() < deadline) {
        if (await this.answers(Math.max(500, deadline - Date.now()))) return;
        await sleep(5);
      }
      if (this.running) throw lockError('OPERATION_TIMEOUT', `virtlockd ${pid} did not come back`);
      const status = this.lastExit!;
      throw lockError('OPERATION_FAILED', `virtlockd ${pid} exited during re-exec ` +
        `(code ${status.code}, signal ${status.signal})`, { operation: 'reexec' });
    });
  }

  /** Kills the daemon (SIGKILL by default) if it runs, then starts a fresh one, empty. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) {
      this.kill(signal);
      await this.waitExit();
    }
    await this.launch();
  }

  /** SIGTERM, SIGKILL after `graceMs`, then removes the temp dir. Never throws. */
  async stop(graceMs = 5_000): Promise<void> {
    await this.keeper?.close();
    this.keeper = null;
    if (this.running) {
      this.kill('SIGTERM');
      try {
        await this.waitExit(graceMs);
      } catch {
        this.kill('SIGKILL');
        await this.waitExit().catch(() => {});
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    this.disposeCleanup();
  }

  /**
   * Starts the daemon process and waits until it answers. A virtlockd that starts reads and
   * unlinks the machine's re-exec state file, so with a shared /run a start is serialised with
   * every re-exec lockchart makes (the re-exec lock), or it could steal a re-exec'ing daemon's
   * state (see `privateRun`).
   */
  private async launch(): Promise<void> {
    if (this.options.privateRun) return this.launchNow();
    return withReexecLock(() => this.launchNow());
  }

  private async launchNow(): Promise<void> {
    if (Buffer.byteLength(this.socketPath) > SOCKET_PATH_MAX) {
      throw lockError('CONFIG_UNSUPPORTED', `virtlockd's socket path ${this.socketPath} is ` +
        `${Buffer.byteLength(this.socketPath)} bytes, over the ${SOCKET_PATH_MAX} a UNIX socket ` +
        'path may have: use a shorter temp directory');
    }
    if (existsSync(this.socketPath)) unlinkSync(this.socketPath); // left by a killed daemon
    const log = openSync(join(this.dir, 'activator.log'), 'a');
    const idle = this.options.idleTimeoutS ?? 120;
    const command = [...(this.options.wrapper ?? []), this.options.activator ?? SOCKET_ACTIVATOR,
      '-l', this.socketPath, '--fdname=virtlockd.socket',
      this.options.binary ?? VIRTLOCKD_BINARY, '-p', this.pidFile, '-f', this.confFile,
      ...(idle > 0 ? ['-t', String(idle)] : [])];
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.lastExit = null;
    // If this process is SIGKILLed, the reaper kills the daemon (it would idle for minutes).
    const identity = child.pid === undefined ? null : identify(child.pid);
    const forget = identity ? reapIfOrphaned({ process: identity }) : () => {};
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        forget();
        this.lastExit = { code, signal };
        resolve(this.lastExit);
      });
      child.once('error', () => {
        this.lastExit = { code: 127, signal: null };
        resolve(this.lastExit);
      });
    });
    await this.ready();
  }

  /** Waits until the daemon accepts a registered keeper connection. */
  private async ready(): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 15_000);
    while (Date.now() < deadline && this.running) {
      if (await this.answers(1_000)) return;
      await sleep(10);
    }
    const why = this.running ? this.probeError?.message ?? 'no answer'
      : `it exited (${JSON.stringify(this.lastExit)}); see ${this.dir}`;
    throw lockError('SYSTEM_ERROR', `virtlockd on ${this.socketPath} did not start: ${why}`,
      { operation: 'start' });
  }

  /** One harmless call (REGISTER, which may be repeated) on the keeper connection. */
  private async answers(timeoutMs: number): Promise<boolean> {
    const owner = neutralOwner('lockchart-keeper');
    try {
      if (this.keeper?.open) {
        await this.keeper.call({ procedure: 'REGISTER', owner, flags: 0 }, { timeoutMs });
      } else {
        this.keeper = await LockdClient.connect(this.socketPath, { register: owner, timeoutMs });
      }
      return true;
    } catch (error) {
      this.probeError = error as LockError;
      return false;
    }
  }

  private killNow(): void {
    const pid = this.child?.pid;
    if (pid !== undefined && this.lastExit === null) killQuietly(pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
