/**
 * The owner program: a real process standing in for QEMU, doing what libvirt's forked child
 * does before exec — the lockd driver's `create(NEW_STARTED)`, `addResource`…,
 * `acquire(REGISTER_ONLY [| RESTRICT])`, `free` — with its *own* pid, so the registered
 * connection's peer is the owner itself. The connection then stays open until the process dies,
 * which is what makes virtlockd release the owner's locks (and SIGTERM it) when it goes.
 *
 * Started by `owner-process.mjs` with the driver configuration as its one argument (JSON). It
 * speaks JSON lines: it prints `{"ready":true,"pid":N}`, then answers each request on stdin
 * (`{"id","op":"register","restrict","disks"}`, `{"id","op":"call","operation","disk","mode"?}`,
 * `{"id","op":"write","disk"}` — one record, as a VM stand-in writes (`records.ts`) — or
 * `{"id","op":"drop"}` — close its own connection, as QEMU closing its leaked fd) with
 * `{"id","ok":true,...}` or `{"id","ok":false,"error":{code,message,...}}`. It exits when stdin
 * closes (its parent is gone): an owner must not outlive the run that made it.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { identity } from '../../contract/identity.ts';
import { isLockError, toErrorData } from '../../contract/errors.ts';
import { AcquireFlags, FailureAction, flagsOfMode, LOCK_MANAGER_VERSION, NewFlags,
  ObjectType, ResourceType, type LockMode } from '../../contract/flags.ts';
import { validateResource } from '../../contract/resources.ts';
import { formatRecord, RECORD_OFFSET } from '../kernel/supervisor/records.ts';
import { createLockdDriver, type LockdObject } from './driver.ts';

interface RegisterRequest {
  readonly id: number;
  readonly op: 'register';
  readonly restrict: boolean;
  readonly disks: ReadonlyArray<readonly [string, LockMode]>;
}

interface CallRequest {
  readonly id: number;
  readonly op: 'call';
  readonly operation: 'acquire' | 'release';
  readonly disk: string;
  readonly mode?: LockMode;
}

interface WriteRequest {
  readonly id: number;
  readonly op: 'write';
  readonly disk: string;
}

interface DropRequest {
  readonly id: number;
  readonly op: 'drop';
}

type Request = RegisterRequest | CallRequest | WriteRequest | DropRequest;

const driver = createLockdDriver();
const params = { ...identity(process.pid), pid: process.pid };

async function objectFor(disks: ReadonlyArray<readonly [string, LockMode]>): Promise<LockdObject> {
  const object = await driver.create(
    { type: ObjectType.DOMAIN, params, flags: NewFlags.NEW_STARTED });
  for (const [disk, mode] of disks) {
    await driver.addResource(object, validateResource(ResourceType.DISK, disk, flagsOfMode(mode)));
  }
  return object;
}

/** Open disks by path, each with this process's sequence number of records on it. */
const disks = new Map<string, { fd: number; seq: number }>();

/** Appends one record past RECORD_OFFSET with one write(2) on an O_APPEND descriptor. */
function writeRecord(path: string): number {
  let disk = disks.get(path);
  if (!disk) {
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    if (fstatSync(fd).size < RECORD_OFFSET) {
      // Grow through another descriptor: a positional write on O_APPEND would append.
      const raw = openSync(path, constants.O_WRONLY);
      writeSync(raw, Buffer.alloc(1), 0, 1, RECORD_OFFSET - 1);
      closeSync(raw);
    }
    disk = { fd, seq: 0 };
    disks.set(path, disk);
  }
  disk.seq += 1;
  writeSync(disk.fd, formatRecord(process.pid, process.pid, disk.seq, process.hrtime.bigint()));
  return disk.seq;
}

async function handle(request: Request): Promise<Record<string, unknown>> {
  if (request.op === 'write') return { seq: writeRecord(request.disk) };
  if (request.op === 'drop') return { closed: await driver.closeOwnConnection() };
  if (request.op === 'register') {
    const object = await objectFor(request.disks);
    const flags = AcquireFlags.REGISTER_ONLY | (request.restrict ? AcquireFlags.RESTRICT : 0);
    const action = FailureAction.DEFAULT;
    const { fd } = await driver.acquire(object, { state: null, flags, action });
    await driver.free(object);
    return { fd };
  }
  // A lock call through this process's own registered connection (the driver routes every call
  // whose owner pid is this process there): after RESTRICT virtlockd must deny it.
  const object = await objectFor([[request.disk, request.mode ?? 'exclusive']]);
  if (request.operation === 'acquire') {
    await driver.acquire(object, { state: null, flags: 0, action: FailureAction.DEFAULT });
  } else {
    await driver.release(object, 0);
  }
  await driver.free(object);
  return {};
}

function reply(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  await driver.init(LOCK_MANAGER_VERSION, JSON.parse(process.argv[2] ?? '{}'), 0);
  const lines = createInterface({ input: process.stdin });
  lines.on('close', () => process.exit(0));
  lines.on('line', (line) => {
    let request: Request;
    try {
      request = JSON.parse(line) as Request;
    } catch {
      reply({ id: -1, ok: false, error: { code: 'INVALID_ARG', message: `bad request: ${line}` } });
      return;
    }
    handle(request).then(
      (result) => reply({ id: request.id, ok: true, ...result }),
      (error: unknown) => reply({ id: request.id, ok: false, error: isLockError(error)
        ? toErrorData(error) : { code: 'INTERNAL_ERROR', message: String(error) } }),
    );
  });
  reply({ ready: true, pid: process.pid });
}

main().catch((error: unknown) => {
  process.stderr.write(`owner ${process.pid}: ${String(error)}\n`);
  process.exit(1);
});
