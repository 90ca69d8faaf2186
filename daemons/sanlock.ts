/**
 * A private sanlock daemon for tests, benchmarks and fault injection: one "host".
 *
 * The start recipe that works on this kind of machine (reference §2): unprivileged
 * (`SANLOCK_PRIVILEGED=0`: no setuid, no rlimits), a run directory of its own
 * (`SANLOCK_RUN_DIR`: its socket and pid file), in the foreground (`-D`, logging to a file here),
 * no watchdog (`-w 0`: there is no /dev/watchdog), no mlockall (`-l 0`), no SCHED_RR (`-h 0`), no
 * log file or syslog (`-L -1 -S -1`), io_timeout 1 s (`-o 1`), and a fixed host name (`-e`):
 * a daemon restarted under the same name rejoins its host_id in 3 s, under another in 71 s.
 * Several daemons on one lease file, each joining with its own host_id, are several hosts.
 *
 * Nothing outlives the run: the daemon is started through `setpriv --pdeathsig SIGKILL`, so the
 * kernel kills it when the process that started it dies, even by SIGKILL (the daemon's helper
 * process exits with it); the exit cleanup kills it on a normal exit or a signal; `stop()` kills
 * it and removes its run directory. A run directory left by a starter that was SIGKILLed (no
 * cleanup could run) is reaped by the next `start()` in the same parent directory: each records
 * who started it and its daemon (pid and start time), and a directory whose starter is gone is
 * removed, its daemon killed first should it still run. SIGKILL is also how a daemon is stopped:
 * sanlock ignores SIGTERM while it has lockspaces, and a private daemon's lease files are private.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockError, type LockError } from '../contract/errors.ts';
import { cleanupOnExit, killQuietly } from '../system/exit-cleanup.ts';
import { identify, isAlive, type ProcessIdentity } from '../system/process-identity.ts';
import type { ExitStatus } from '../system/process-state.ts';
import { raceTimeout } from '../system/race-timeout.ts';
import { SanlockClient, socketIn } from '../drivers/sanlock/client.ts';

/** Debian's sanlock (package sanlock). */
export const SANLOCK_BINARY = '/usr/sbin/sanlock';
/** util-linux's setpriv: sets the parent-death signal, then execs. */
export const SETPRIV = 'setpriv';
const SOCKET_PATH_MAX = 107;
/** The prefix of every private run directory, and the file naming who made it. */
const RUN_DIR_PREFIX = 'sanlock-';
const OWNER_FILE = 'lockchart-owner.json';

/** Why a private daemon cannot be started here (no sanlock, not root), or null. */
export function privateDaemonMissing(): string | null {
  if (!existsSync(SANLOCK_BINARY)) return `${SANLOCK_BINARY} is not installed (Debian package sanlock)`;
  if (process.getuid?.() !== 0) return 'a private sanlock daemon is started as root';
  return null;
}

interface RunDirOwner {
  readonly starter: ProcessIdentity;
  readonly daemon: ProcessIdentity | null;
}

function readOwner(dir: string): RunDirOwner | null {
  try {
    return JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as RunDirOwner;
  } catch {
    return null;
  }
}

/**
 * Removes the run directories in `parentDir` whose starter is gone (it was SIGKILLed), killing
 * their daemon first if it still runs (it should not: the parent-death signal took it).
 * Directories without an owner file are left alone (being set up, or not ours). Returns them.
 */
export function reapOrphanedRunDirs(parentDir: string): string[] {
  const reaped: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(parentDir).filter((name) => name.startsWith(RUN_DIR_PREFIX));
  } catch {
    return reaped;
  }
  for (const name of entries) {
    const dir = join(parentDir, name);
    const owner = readOwner(dir);
    if (owner === null || isAlive(owner.starter)) continue;
    if (owner.daemon && isAlive(owner.daemon)) killQuietly(owner.daemon.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

export interface SanlockDaemonOptions {
  readonly binary?: string;
  /** `-e`: the host name written in this host's delta lease (default: from the run dir). */
  readonly hostName?: string;
  /** `-o`: the default io_timeout in seconds (1, the minimum, by default). */
  readonly ioTimeoutS?: number;
  /** `-g`: seconds of SIGTERM/killpath before SIGKILL when a lockspace fails (sanlock: 40). */
  readonly killGraceS?: number;
  /** `-a`: libaio (true, sanlock's default) or plain read/write (false: LD_PRELOAD shims see it). */
  readonly useAio?: boolean;
  /** Extra environment (e.g. LD_PRELOAD for fault injection). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the private run directory is made (default: the OS temp dir). */
  readonly parentDir?: string;
  readonly readyTimeoutMs?: number;
}

export class SanlockDaemon {
  private child: ChildProcess | null = null;
  private exit: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private disposeCleanup: () => void = () => {};
  /** How the last daemon process ended, once it did. */
  lastExit: ExitStatus | null = null;
  /** A client for this daemon's socket. */
  readonly client: SanlockClient;

  private constructor(readonly dir: string, private readonly options: SanlockDaemonOptions) {
    this.client = new SanlockClient({ socket: this.socketPath });
  }

  /**
   * Starts a daemon in a new private run directory and waits until it answers VERSION.
   * @throws SYSTEM_ERROR if it does not (its log is quoted).
   */
  static async start(options: SanlockDaemonOptions = {}): Promise<SanlockDaemon> {
    const parent = options.parentDir ?? tmpdir();
    reapOrphanedRunDirs(parent);
    const dir = mkdtempSync(join(parent, RUN_DIR_PREFIX));
    const daemon = new SanlockDaemon(dir, options);
    daemon.disposeCleanup = cleanupOnExit(() => daemon.killNow());
    try {
      await daemon.launch();
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    return daemon;
  }

  get socketPath(): string {
    return socketIn(this.dir);
  }

  /** The daemon's stderr (`-D` debug log): kills, renewals, every command. */
  get logFile(): string {
    return join(this.dir, 'daemon.log');
  }

  get hostName(): string {
    return this.options.hostName ?? `lc-${basename(this.dir)}`;
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined || this.lastExit !== null) {
      throw lockError('OPERATION_INVALID', 'the sanlock daemon is not running');
    }
    return pid;
  }

  get running(): boolean {
    return this.child !== null && this.lastExit === null;
  }

  /** The daemon's log so far. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Sends a signal to the daemon (fault injection: SIGKILL, SIGSTOP, SIGCONT). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /**
   * Waits for the daemon process to end.
   * @throws OPERATION_TIMEOUT if it still runs after `timeoutMs`.
   */
  async waitExit(timeoutMs = 10_000): Promise<ExitStatus> {
    const outcome = await raceTimeout(this.exit, timeoutMs);
    if (outcome === 'timeout') {
      throw lockError('OPERATION_TIMEOUT', `sanlock daemon still running after ${timeoutMs} ms`);
    }
    return outcome;
  }

  /** Kills the daemon if it runs and starts it again: same run dir, same host name. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) {
      this.kill(signal);
      await this.waitExit();
    }
    await this.launch();
  }

  /** SIGKILL, wait, remove the run directory. Never throws. */
  async stop(): Promise<void> {
    if (this.running) {
      this.kill('SIGKILL');
      await this.waitExit().catch(() => {});
    }
    rmSync(this.dir, { recursive: true, force: true });
    this.disposeCleanup();
  }

  /** The argument vector after `sanlock` (see the module comment). */
  daemonArgs(): string[] {
    return ['daemon', '-D', '-w', '0', '-l', '0', '-h', '0', '-L', '-1', '-S', '-1',
      '-o', String(this.options.ioTimeoutS ?? 1),
      ...(this.options.killGraceS === undefined ? [] : ['-g', String(this.options.killGraceS)]),
      ...(this.options.useAio === false ? ['-a', '0'] : []),
      '-e', this.hostName];
  }

  private async launch(): Promise<void> {
    if (Buffer.byteLength(this.socketPath) > SOCKET_PATH_MAX) {
      throw lockError('CONFIG_UNSUPPORTED', `sanlock's socket path ${this.socketPath} is over ` +
        `the ${SOCKET_PATH_MAX} bytes a UNIX socket path may have: use a shorter temp directory`);
    }
    if (existsSync(this.socketPath)) unlinkSync(this.socketPath); // left by a killed daemon
    const log = openSync(this.logFile, 'a');
    const child = spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--',
      this.options.binary ?? SANLOCK_BINARY, ...this.daemonArgs()], {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...this.options.env, SANLOCK_RUN_DIR: this.dir,
        SANLOCK_PRIVILEGED: '0' },
    });
    closeSync(log);
    this.child = child;
    this.lastExit = null;
    this.recordOwner(child.pid);
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
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

  /** Who started this run dir, and its daemon: what `reapOrphanedRunDirs` reads. */
  private recordOwner(daemonPid: number | undefined): void {
    const owner: RunDirOwner = { starter: identify(process.pid)!,
      daemon: daemonPid === undefined ? null : identify(daemonPid) };
    writeFileSync(join(this.dir, OWNER_FILE), JSON.stringify(owner));
  }

  /** Ready when VERSION answers (a stale socket file would refuse connections). */
  private async ready(): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 15_000);
    let last: LockError | null = null;
    while (Date.now() < deadline && this.running) {
      try {
        await this.client.version();
        return;
      } catch (error) {
        last = error as LockError;
      }
      await sleep(10);
    }
    const why = this.running ? last?.message ?? 'no answer'
      : `it exited (${JSON.stringify(this.lastExit)}): ${this.log().trim().split('\n').slice(-3)
        .join(' | ')}`;
    throw lockError('SYSTEM_ERROR', `sanlock daemon on ${this.socketPath} did not start: ${why}`,
      { operation: 'start' });
  }

  private killNow(): void {
    const pid = this.child?.pid;
    if (pid !== undefined && this.lastExit === null) killQuietly(pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
