/**
 * The supervisor program (the seed's "supervisor process"): started by `realSupervisor()` as
 * `node --import tsx supervisor-main.ts --id … --uuid … --name …` with an IPC channel.
 *
 * It is the lock owner. Asked over the channel, it takes and releases POSIX locks (byte 0,
 * length 1) in its own process, through virtlockd's table (`LockTable`, keyed by inode so that
 * no close of another path can drop a lock behind its back). It runs the VM stand-in and dies
 * with it; when it dies, for whatever reason, the kernel drops its locks and the stand-in reads
 * EOF and exits. It also exits when the channel closes (its driver's process is gone) and on
 * SIGINT, SIGTERM and SIGHUP, killing the stand-in first.
 */
import { closeSync, openSync } from 'node:fs';
import { constants as os } from 'node:os';
import { lockError, toErrorData } from '../../../contract/errors.ts';
import { LockTable } from '../lock-table.ts';
import { posixPrimitive } from '../primitives.ts';
import { systemError } from '../system-error.ts';
import type { ReplyMessage, RequestMessage, SupervisorRequest, VmCommand } from './protocol.ts';
import { VmProcess } from './vm-process.ts';

const send = process.send?.bind(process);
if (!send) {
  process.stderr.write('lockchart-supervisor: must be started with an IPC channel ' +
    '(use realSupervisor())\n');
  process.exit(2);
}

const table = new LockTable({ primitive: posixPrimitive, driver: 'posix', identity: 'inode' });
let vm: VmProcess | null = null;

function exitNow(code: number): never {
  vm?.kill();
  process.exit(code);
}

function ownRequest(owner: number, operation: string): void {
  if (owner !== process.pid) {
    throw lockError('INTERNAL_ERROR', `supervisor ${process.pid} cannot act for owner ${owner}`,
      { operation, driver: 'posix' });
  }
}

async function execVm(disks: readonly string[], intervalMs: number): Promise<number> {
  if (vm) throw lockError('OPERATION_INVALID', `the VM already runs as pid ${vm.pid}`);
  const started = await VmProcess.start({ owner: process.pid, disks, intervalMs });
  vm = started;
  started.child.on('exit', (code, signal) => {
    // The VM is gone, so is its supervisor: report it, then exit (the kernel drops the locks).
    const code_ = code ?? 128 + (signal ? os.signals[signal] : 0);
    send!({ event: 'vm.exited', pid: started.pid, code, signal }, () => exitNow(code_));
  });
  return started.pid;
}

function vmCommand(command: VmCommand): Promise<string> {
  if (!vm) return Promise.reject(lockError('OPERATION_INVALID', 'no VM has been started'));
  switch (command.type) {
    case 'write':
      return vm.command(`${command.force ? 'flush' : 'write'} ${command.count}`);
    case 'close':
      return vm.command(`close ${command.disk}`);
    case 'open':
      return vm.command(`open ${command.path}`);
    case 'put':
      return vm.command(`put ${command.disk}`);
    case 'trylock':
    case 'unlock':
      return vm.command(`${command.type} ${command.disk} ${command.primitive}`);
    default:
      return vm.command(command.type);
  }
}

async function handle(request: SupervisorRequest): Promise<unknown> {
  switch (request.op) {
    case 'lock':
      ownRequest(request.owner, 'acquire');
      table.acquire(request.owner, request.target);
      return null;
    case 'unlock':
      ownRequest(request.owner, 'release');
      table.release(request.owner, request.target);
      return null;
    case 'held':
      return table.held();
    case 'exec':
      return execVm(request.disks, request.intervalMs);
    case 'vm':
      return vmCommand(request.command);
    case 'openClose':
      closeSync(openSync(request.path, 'r'));
      return null;
    case 'ping':
      return process.pid;
  }
}

process.on('message', (message: RequestMessage) => {
  handle(message.request).then(
    (value): ReplyMessage => ({ id: message.id, ok: true, value }),
    (error: unknown): ReplyMessage => ({
      id: message.id,
      ok: false,
      error: toErrorData(systemError(error,
        `supervisor ${process.pid}: ${message.request.op} failed`,
        { operation: message.request.op, driver: 'posix' })),
    }),
  ).then((reply) => {
    if (process.connected) send(reply);
  });
});
process.on('disconnect', () => exitNow(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => exitNow(128 + os.signals[signal]));
}
send({ event: 'ready', pid: process.pid });
