/**
 * The sanlock owner program: a real process standing in for QEMU, doing what libvirt's forked
 * child does before exec — the sanlock driver's `create(NEW_STARTED)`, `addResource`…,
 * `acquire(REGISTER_ONLY [| RESTRICT])`, `free` — with its *own* pid, so the registered
 * connection belongs to it. The connection then lives until the process dies, which is when the
 * daemon releases the owner's leases. libvirtd's side (another process) acquires on its behalf.
 *
 * It speaks the same JSON lines as the lockd owner program (`drivers/lockd/owner-main.ts`), so
 * `drivers/lockd/owner.ts` (`OwnerProcess`) drives it: `{"ready":true,"pid":N}`, then answers to
 * `register` {restrict, disks}, `call` {operation, disk, mode} (through its own registration) and
 * `drop` (close its registration, as QEMU closing the leaked fd). It exits when stdin closes.
 *
 * Its argument is the driver configuration (JSON), plus `lockchart_owner` for the stand-in
 * itself: `ignoreSigterm` (a holder that survives the daemon's SIGTERMs until SIGKILL) and
 * `signalLog` (a file it appends "SIGTERM <ms since epoch>" lines to).
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { identity } from '../../contract/identity.ts';
import { isLockError, toErrorData } from '../../contract/errors.ts';
import { AcquireFlags, FailureAction, flagsOfMode, LOCK_MANAGER_VERSION, NewFlags,
  ObjectType, ResourceType, type LockMode } from '../../contract/flags.ts';
import { validateResource } from '../../contract/resources.ts';
import { createSanlockDriver, type SanlockObject } from './driver.ts';

interface OwnerOptions {
  readonly ignoreSigterm?: boolean;
  readonly signalLog?: string;
}

type Request =
  | { id: number; op: 'register'; restrict: boolean; disks: ReadonlyArray<readonly [string, LockMode]> }
  | { id: number; op: 'call'; operation: 'acquire' | 'release'; disk: string; mode?: LockMode }
  | { id: number; op: 'drop' };

const driver = createSanlockDriver();
const params = { ...identity(process.pid), pid: process.pid };

async function objectFor(disks: ReadonlyArray<readonly [string, LockMode]>, flags: number):
  Promise<SanlockObject> {
  const object = await driver.create({ type: ObjectType.DOMAIN, params, flags });
  for (const [disk, mode] of disks) {
    await driver.addResource(object, validateResource(ResourceType.DISK, disk, flagsOfMode(mode)));
  }
  return object;
}

async function handle(request: Request): Promise<Record<string, unknown>> {
  if (request.op === 'drop') {
    const own = driver.ownRegistrations;
    const open = own.filter((registration) => registration.open);
    await Promise.all(open.map((registration) => registration.close()));
    return { closed: open.length > 0 };
  }
  if (request.op === 'register') {
    const object = await objectFor(request.disks, NewFlags.NEW_STARTED);
    const flags = AcquireFlags.REGISTER_ONLY | (request.restrict ? AcquireFlags.RESTRICT : 0);
    const { fd } = await driver.acquire(object, { state: null, flags,
      action: FailureAction.DEFAULT });
    await driver.free(object);
    return { fd };
  }
  // A lock call through this process's own registration (after RESTRICT: refused).
  const object = await objectFor([[request.disk, request.mode ?? 'exclusive']], 0);
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
  const { lockchart_owner: ownerOptions = {}, ...config } =
    JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown> & { lockchart_owner?: OwnerOptions };
  if (ownerOptions.ignoreSigterm || ownerOptions.signalLog) {
    process.on('SIGTERM', () => {
      if (ownerOptions.signalLog) appendFileSync(ownerOptions.signalLog, `SIGTERM ${Date.now()}\n`);
      if (!ownerOptions.ignoreSigterm) process.exit(143);
    });
  }
  await driver.init(LOCK_MANAGER_VERSION, config, 0);
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
  process.stderr.write(`sanlock owner ${process.pid}: ${String(error)}\n`);
  process.exit(1);
});
