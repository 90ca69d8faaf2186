/**
 * What the owner programs share (`lockd/owner-main.ts`, `sanlock/owner-main.ts`): a real process
 * standing in for QEMU that does what libvirt's forked child does before exec through its
 * driver — `create(NEW_STARTED)`, `addResource`…, `acquire(REGISTER_ONLY [| RESTRICT])`, `free` —
 * with its *own* pid, so the registered connection belongs to it and lives until it dies, which
 * is what makes the daemon release its locks. libvirtd's side (another process) acts on its
 * behalf.
 *
 * It speaks JSON lines: it prints `{"ready":true,"pid":N}`, then answers each request on stdin —
 * `{"id","op":"register","restrict","disks"}`, `{"id","op":"call","operation","disk","mode"?}` (a
 * lock call through its own connection), `{"id","op":"write","disk"}` (one record, as a VM
 * stand-in writes: `kernel/supervisor/records.ts`) or `{"id","op":"drop"}` (close its own
 * connection, as QEMU closing its leaked fd) — with `{"id","ok":true,...}` or
 * `{"id","ok":false,"error":{code,message,...}}`. It exits when stdin closes (its parent is
 * gone): an owner must not outlive the run that made it.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { DriverConfig, LockDriver } from '../contract/driver.ts';
import { isLockError, toErrorData } from '../contract/errors.ts';
import { AcquireFlags, FailureAction, flagsOfMode, LOCK_MANAGER_VERSION, NewFlags,
  ObjectType, ResourceType, type LockMode } from '../contract/flags.ts';
import { identity } from '../contract/identity.ts';
import { validateResource } from '../contract/resources.ts';
import { formatRecord, RECORD_OFFSET } from './kernel/supervisor/records.ts';

type Disks = ReadonlyArray<readonly [string, LockMode]>;

type Request =
  | { readonly id: number; readonly op: 'register'; readonly restrict: boolean; readonly disks: Disks }
  | { readonly id: number; readonly op: 'call'; readonly operation: 'acquire' | 'release';
      readonly disk: string; readonly mode?: LockMode }
  | { readonly id: number; readonly op: 'write'; readonly disk: string }
  | { readonly id: number; readonly op: 'drop' };

/** One driver's side of an owner program. */
export interface OwnerProgram<O> {
  readonly driver: LockDriver<O>;
  /**
   * `create` flags of the object for a call through the owner's own connection (lockd:
   * NEW_STARTED; sanlock: none, so `create` finds the owner's registration).
   */
  readonly ownCallFlags: number;
  /** Closes the owner's own connection(s) while it lives; resolves with whether it had one. */
  drop(): Promise<boolean>;
}

/** Open disks by path, each with this process's sequence number of records on it. */
const opened = new Map<string, { fd: number; seq: number }>();

/** Appends one record past RECORD_OFFSET with one write(2) on an O_APPEND descriptor. */
function writeRecord(path: string): number {
  let disk = opened.get(path);
  if (!disk) {
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    if (fstatSync(fd).size < RECORD_OFFSET) {
      // Grow through another descriptor: a positional write on O_APPEND would append.
      const raw = openSync(path, constants.O_WRONLY);
      writeSync(raw, Buffer.alloc(1), 0, 1, RECORD_OFFSET - 1);
      closeSync(raw);
    }
    disk = { fd, seq: 0 };
    opened.set(path, disk);
  }
  disk.seq += 1;
  writeSync(disk.fd, formatRecord(process.pid, process.pid, disk.seq, process.hrtime.bigint()));
  return disk.seq;
}

async function objectFor<O>(driver: LockDriver<O>, disks: Disks, flags: number): Promise<O> {
  const object = await driver.create({ type: ObjectType.DOMAIN,
    params: { ...identity(process.pid), pid: process.pid }, flags });
  for (const [disk, mode] of disks) {
    await driver.addResource(object, validateResource(ResourceType.DISK, disk, flagsOfMode(mode)));
  }
  return object;
}

async function handle<O>(program: OwnerProgram<O>, request: Request):
  Promise<Record<string, unknown>> {
  const { driver } = program;
  if (request.op === 'write') return { seq: writeRecord(request.disk) };
  if (request.op === 'drop') return { closed: await program.drop() };
  if (request.op === 'register') {
    const object = await objectFor(driver, request.disks, NewFlags.NEW_STARTED);
    const flags = AcquireFlags.REGISTER_ONLY | (request.restrict ? AcquireFlags.RESTRICT : 0);
    const { fd } = await driver.acquire(object, { state: null, flags,
      action: FailureAction.DEFAULT });
    await driver.free(object);
    return { fd };
  }
  // Through this process's own connection (the drivers route a call whose owner pid is this
  // process there): after RESTRICT it must be refused.
  const object = await objectFor(driver, [[request.disk, request.mode ?? 'exclusive']],
    program.ownCallFlags);
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

/**
 * Initialises the driver with `config` and serves requests until stdin closes; `label` names
 * the program in the one line it prints if it cannot start.
 */
export function serveOwner<O>(program: OwnerProgram<O>, config: DriverConfig, label: string): void {
  const start = async () => {
    await program.driver.init(LOCK_MANAGER_VERSION, config, 0);
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
      handle(program, request).then(
        (result) => reply({ id: request.id, ok: true, ...result }),
        (error: unknown) => reply({ id: request.id, ok: false, error: isLockError(error)
          ? toErrorData(error) : { code: 'INTERNAL_ERROR', message: String(error) } }),
      );
    });
    reply({ ready: true, pid: process.pid });
  };
  start().catch((error: unknown) => {
    process.stderr.write(`${label} ${process.pid}: ${String(error)}\n`);
    process.exit(1);
  });
}
