/**
 * The supervisor's side of its VM stand-in (`stand-in.mjs`): start it, send it one-line commands,
 * read one-line answers in order, and learn when it dies. The stand-in's stdin is a pipe from
 * this process only (spawned descriptors are close-on-exec), so when the supervisor dies, the
 * stand-in reads EOF and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lockError } from '../../../contract/errors.ts';

const STAND_IN = fileURLToPath(new URL('./stand-in.mjs', import.meta.url));

export interface VmOptions {
  readonly owner: number;
  readonly disks: readonly string[];
  /** Milliseconds between automatic records while running; 0 = only on command. */
  readonly intervalMs: number;
}

export class VmProcess {
  private readonly waiting: Array<{ resolve(line: string): void; reject(error: Error): void }> = [];
  private buffered = '';
  /** Resolves once the stand-in has exited and been reaped. */
  readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess, readonly pid: number) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.receive(chunk));
    // An answer that will never come: fail every pending command when the stand-in dies.
    child.on('exit', () => {
      const gone = lockError('OPERATION_INVALID', `the VM stand-in ${pid} has exited`);
      for (const waiter of this.waiting.splice(0)) waiter.reject(gone);
    });
    child.stdin!.on('error', () => {});
  }

  /** Starts the stand-in (paused) and resolves once it has opened its disks. */
  static start(options: VmOptions): Promise<VmProcess> {
    const args = [STAND_IN, '--owner', String(options.owner), '--interval',
      String(options.intervalMs), ...options.disks.flatMap((disk) => ['--disk', disk])];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      const failed = (why: string) => reject(lockError('SYSTEM_ERROR',
        `the VM stand-in did not start: ${why}`, { operation: 'exec' }));
      child.once('error', (error) => failed(error.message));
      if (child.pid === undefined) return;
      const vm = new VmProcess(child, child.pid);
      vm.waiting.push({
        resolve: (line) => {
          if (line === `ready ${child.pid}`) resolve(vm);
          else failed(line.startsWith('err start ') ? line.slice(10) : `it said '${line}'`);
        },
        reject: () => failed(`exited (${child.signalCode ?? child.exitCode}) before it was ready`),
      });
    });
  }

  /** Sends one command line and resolves with the stand-in's answer line. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        reject(lockError('OPERATION_INVALID', `the VM stand-in ${this.pid} has exited`));
        return;
      }
      this.waiting.push({ resolve, reject });
      this.child.stdin!.write(`${line}\n`);
    });
  }

  /** SIGKILL; resolves once it has exited and been reaped. */
  kill(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      this.waiting.shift()?.resolve(line);
    }
  }
}
