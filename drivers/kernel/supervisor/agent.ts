/**
 * The driver-side handle of one running supervisor: requests over its IPC channel, matched to
 * replies by id, each with a timeout, plus step-by-step control of its VM stand-in for tests and
 * the simulator's real mode (start it, cont/stop, write N records, close a disk, signal either
 * process, kill -9). One supervisor is one lock owner: its pid is the owner pid.
 */
import type { ChildProcess } from 'node:child_process';
import { lockError, LockError } from '../../../contract/errors.ts';
import type { HeldLock } from '../lock-table.ts';
import type { LockTarget } from '../lock-target.ts';
import { identify, waitGone, type ProcessIdentity } from '../../../system/process-identity.ts';
import { killIdentified, trackProcess } from './cleanup.ts';
import {
  isEvent,
  isReply,
  type SupervisorEvent,
  type SupervisorReplies,
  type SupervisorRequest,
  type VmCommand,
} from './protocol.ts';

/** libvirt waits forever; a stopped (SIGSTOP) supervisor must not hang its driver forever. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: LockError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class SupervisorAgent {
  readonly pid: number;
  /**
   * Resolves when the supervisor process has exited (and been reaped). Awaiting it does not keep
   * this process alive (the child is unref'd, so a run that forgets a supervisor still ends and
   * takes it along); `kill()` does.
   */
  readonly exited: Promise<ExitInfo>;
  private vm: ProcessIdentity | null = null;
  private lastVm: ProcessIdentity | null = null;
  private exit: ExitInfo | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly untrack: Array<() => void> = [];

  constructor(
    private readonly child: ChildProcess,
    readonly identity: ProcessIdentity,
    private readonly timeoutMs = DEFAULT_CALL_TIMEOUT_MS,
  ) {
    this.pid = identity.pid;
    this.untrack.push(trackProcess(identity));
    child.on('message', (message: unknown) => this.receive(message));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.failPending(`supervisor ${this.pid} exited (${signal ?? `code ${code}`})`);
        this.reapVm();
        for (const untrack of this.untrack.splice(0)) untrack();
        resolve(this.exit);
      });
    });
    // The channel must not keep a run alive on its own; pending calls keep it alive by timer.
    child.unref();
    child.channel?.unref();
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** The VM stand-in's pid, once started. */
  get vmPid(): number | null {
    return this.vm?.pid ?? null;
  }

  /** Sends one request; rejects with the supervisor's LockError, RPC or OPERATION_TIMEOUT. */
  call<R extends SupervisorRequest>(request: R, timeoutMs = this.timeoutMs):
    Promise<SupervisorReplies[R['op']]> {
    if (!this.alive || !this.child.connected) {
      return Promise.reject(lockError('RPC', `supervisor ${this.pid} is gone`,
        { operation: request.op, driver: 'posix' }));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(lockError('OPERATION_TIMEOUT',
          `supervisor ${this.pid} did not answer '${request.op}' within ${timeoutMs} ms ` +
          '(stopped?); the outcome is unknown',
          { operation: request.op, driver: 'posix' }));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ id, request });
    });
  }

  lock(target: LockTarget): Promise<null> {
    return this.call({ op: 'lock', owner: this.pid, target });
  }

  unlock(target: LockTarget): Promise<null> {
    return this.call({ op: 'unlock', owner: this.pid, target });
  }

  held(): Promise<HeldLock[]> {
    return this.call({ op: 'held' });
  }

  /** Starts the VM stand-in, paused, writing to `disks`; resolves with its pid. */
  async exec(disks: readonly string[], options: { intervalMs?: number } = {}): Promise<number> {
    const pid = await this.call({ op: 'exec', disks, intervalMs: options.intervalMs ?? 0 });
    const identity = identify(pid);
    if (identity) {
      this.vm = identity;
      this.lastVm = identity;
      this.untrack.push(trackProcess(identity));
    }
    return pid;
  }

  /** One VM command; resolves with the stand-in's answer (`ok …`), rejects on `err …`. */
  async vmCommand(command: VmCommand): Promise<string> {
    const answer = await this.call({ op: 'vm', command });
    if (!answer.startsWith('ok')) {
      throw lockError('OPERATION_FAILED', `VM stand-in refused '${command.type}': ${answer}`,
        { operation: command.type });
    }
    return answer;
  }

  cont(): Promise<string> {
    return this.vmCommand({ type: 'cont' });
  }

  stop(): Promise<string> {
    return this.vmCommand({ type: 'stop' });
  }

  /** Writes `count` records per open disk; resolves with how many records were written. */
  async write(count: number, options: { force?: boolean } = {}): Promise<number> {
    const answer = await this.vmCommand({ type: 'write', count, force: options.force ?? false });
    return Number(answer.split(' ')[2]);
  }

  closeDisk(disk: number): Promise<string> {
    return this.vmCommand({ type: 'close', disk });
  }

  /** The POSIX trap as a fault: the supervisor opens and closes another descriptor of `path`. */
  openClose(path: string): Promise<null> {
    return this.call({ op: 'openClose', path });
  }

  /** Sends a signal to the supervisor or to its VM stand-in (SIGSTOP, SIGCONT, SIGKILL …). */
  signal(which: 'supervisor' | 'vm', signal: NodeJS.Signals): boolean {
    const target = which === 'supervisor' ? (this.alive ? this.identity : null) : this.vm;
    return target !== null && killIdentified(target, signal);
  }

  /** kill -9 of the supervisor; resolves once it has exited and its stand-in is gone. */
  async kill(): Promise<ExitInfo> {
    // Waiting for the exit must keep this process alive, though the channel alone does not.
    this.child.ref();
    if (this.alive) this.child.kill('SIGKILL');
    const exit = await this.exited;
    if (this.lastVm) await waitGone(this.lastVm);
    return exit;
  }

  private receive(message: unknown): void {
    if (isReply(message)) {
      const pending = this.pending.get(message.id);
      // Answered after its timeout: the caller was already told the outcome is unknown.
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new LockError(message.error));
    } else if (isEvent(message)) {
      this.onEvent(message);
    }
  }

  private onEvent(event: SupervisorEvent): void {
    if (event.event === 'vm.exited' && this.vm?.pid === event.pid) this.vm = null;
  }

  private failPending(why: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(lockError('RPC', `${why} before answering request ${id}`,
        { driver: 'posix' }));
    }
    this.pending.clear();
  }

  /** A stand-in that cannot read its EOF (stopped) would outlive its supervisor: kill it. */
  private reapVm(): void {
    if (this.vm) killIdentified(this.vm);
  }
}
