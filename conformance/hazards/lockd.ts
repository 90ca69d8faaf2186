/**
 * Known virtlockd hazards (reference §4–§5), each reproduced against a live daemon and checked
 * against what the lockd driver does about it.
 *
 * - **aliasing**: virtlockd keys locks by the name string, so `/x` and `//x` are two
 *   "exclusive" locks on one file, both granted; releasing either closes the daemon's fd and
 *   drops the kernel lock under the other. The driver takes libvirt's name plus an alias lock
 *   by real path (`naming.ts`), so its second acquire is busy. Safe to run anywhere: synthetic owners, a temp file, everything released.
 * - **unregistered-reexec**: a SIGUSR1 re-exec while any connection is connected but not yet
 *   registered makes virtlockd 9.0.0 fail to serialise its state and exit: every lock is lost.
 *   The driver registers every connection in its first write. *Destructive*: it ends the daemon.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identity } from '../../contract/identity.ts';
import { isLockError } from '../../contract/errors.ts';
import { LOCK_MANAGER_VERSION, ObjectType, ResourceType } from '../../contract/flags.ts';
import { locksOnPath } from '../../system/proc-locks.ts';
import { validateResource } from '../../contract/resources.ts';
import { LockdClient } from '../../drivers/lockd/client.ts';
import { createLockdDriver } from '../../drivers/lockd/driver.ts';
import { neutralOwner, PID_MAX_LIMIT } from '../../drivers/lockd/owners.ts';
import { processEnded } from '../../system/process-state.ts';
import { withReexecLock } from '../../daemons/virtlockd-reexec-lock.ts';

/** pass: handled; fail: the driver is exposed; warn: the daemon is, not the driver; skip. */
export type HazardVerdict = 'pass' | 'fail' | 'warn' | 'skip';

/** One hazard check's outcome. */
export interface HazardResult {
  readonly id: 'aliasing' | 'unregistered-reexec';
  readonly title: string;
  readonly verdict: HazardVerdict;
  readonly detail: string;
  /** What was observed, for tests and `--json`. */
  readonly facts: Readonly<Record<string, boolean | number | string | null>>;
}

/** Synthetic owners for raw calls: pids no process can have (see `owners.ts`). */
const rawOwner = (n: number) => ({ ...neutralOwner('lockchart-hazard', 100 + n) });

async function rawAcquire(client: LockdClient, name: string): Promise<boolean> {
  try {
    await client.call({ procedure: 'ACQUIRE_RESOURCE', path: '', name, flags: 0 });
    return true;
  } catch (error) {
    if (isLockError(error) && error.code === 'RESOURCE_BUSY') return false;
    throw error;
  }
}

/** The raw daemon, two spellings, two owners: both granted? And the kernel lock after one goes? */
async function rawAliasing(socket: string, file: string) {
  const alias = `/${file}`;
  const [a, b] = await Promise.all([1, 2].map((n) =>
    LockdClient.connect(socket, { register: rawOwner(n) })));
  try {
    const first = await rawAcquire(a!, file);
    const second = await rawAcquire(b!, alias);
    let kernelLockAfterAliasRelease: boolean | null = null;
    if (first && second) {
      await b!.call({ procedure: 'RELEASE_RESOURCE', path: '', name: alias, flags: 0 });
      kernelLockAfterAliasRelease = locksOnPath(file).length > 0;
    }
    if (first) await a!.call({ procedure: 'RELEASE_RESOURCE', path: '', name: file, flags: 0 });
    return { rawFirstGranted: first, rawAliasGranted: second, kernelLockAfterAliasRelease };
  } finally {
    await Promise.all([a!.close(), b!.close()]);
  }
}

/** The lockd driver, two spellings, two owners: the second must be busy. */
async function driverAliasing(socket: string, file: string): Promise<string> {
  const driver = createLockdDriver();
  await driver.init(LOCK_MANAGER_VERSION, { socket }, 0);
  const objects = [];
  try {
    for (const [n, spelling] of [[1, file], [2, `/${file}`]] as const) {
      const pid = PID_MAX_LIMIT + 200 + n;
      const object = await driver.create({ type: ObjectType.DOMAIN,
        params: { ...identity(pid), pid }, flags: 0 });
      await driver.addResource(object, validateResource(ResourceType.DISK, spelling, 0));
      objects.push(object);
    }
    await driver.acquire(objects[0]!, { state: null, flags: 0, action: 0 });
    try {
      await driver.acquire(objects[1]!, { state: null, flags: 0, action: 0 });
      await driver.release(objects[1]!, 0);
      return 'granted';
    } catch (error) {
      return isLockError(error) ? error.code : String(error);
    } finally {
      await driver.release(objects[0]!, 0);
    }
  } finally {
    await driver.deinit();
  }
}

/**
 * Reproduces path aliasing on a live daemon (raw client, synthetic owners, a temp file), then
 * checks the lockd driver refuses the alias. Leaves nothing held.
 */
export async function checkAliasing(socket: string, scratchParent = tmpdir()):
  Promise<HazardResult> {
  const dir = await mkdtemp(join(scratchParent, 'lockchart-alias-'));
  const file = join(dir, 'alias.img');
  try {
    await writeFile(file, '');
    const raw = await rawAliasing(socket, file);
    const driverSecond = await driverAliasing(socket, file);
    const ok = driverSecond === 'RESOURCE_BUSY';
    const daemon = raw.rawAliasGranted
      ? `virtlockd alone granted '${file}' and '/${file}' both exclusively` +
        (raw.kernelLockAfterAliasRelease === false
          ? ', and releasing the alias dropped the kernel lock under the other holder' : '')
      : 'virtlockd itself refused the alias';
    return {
      id: 'aliasing',
      title: 'two spellings of one path are one lock',
      verdict: ok ? 'pass' : 'fail',
      detail: `${daemon}; through the lockd driver the second acquire ${ok
        ? 'was busy (alias lock)' : `gave ${driverSecond}`}`,
      facts: { ...raw, driverSecondAcquire: driverSecond },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Reproduces the unregistered-connection re-exec crash on the daemon with pid `daemonPid`,
 * holding one lock (a synthetic owner on a temp file) to see whether it survives.
 */
export async function checkUnregisteredReexec(socket: string, daemonPid: number,
  options: { scratchParent?: string; waitMs?: number } = {}): Promise<HazardResult> {
  const dir = await mkdtemp(join(options.scratchParent ?? tmpdir(), 'lockchart-reexec-'));
  const file = join(dir, 'held.img');
  try {
    await writeFile(file, '');
    return await withReexecLock(async () => {
      const holder = await LockdClient.connect(socket, { register: rawOwner(3) });
      const bare = await LockdClient.connect(socket); // connected, never registered
      try {
        await holder.call({ procedure: 'ACQUIRE_RESOURCE', path: '', name: file, flags: 0 });
        const heldBefore = locksOnPath(file).some((lock) => lock.pid === daemonPid);
        // What libvirt's own lockspace setup leaves open for a moment: CREATE_LOCKSPACE needs no
        // REGISTER, and its reply proves the daemon has accepted the unregistered connection.
        await bare.call({ procedure: 'CREATE_LOCKSPACE', path: join(dir, 'lockspace') });
        process.kill(daemonPid, 'SIGUSR1');
        const exited = await processEnded(daemonPid, options.waitMs ?? 5_000);
        const heldAfter = locksOnPath(file).some((lock) => lock.pid === daemonPid);
        if (!exited) {
          await holder.call({ procedure: 'RELEASE_RESOURCE', path: '', name: file, flags: 0 });
        }
        return reexecResult({ heldBefore, exited, heldAfter });
      } finally {
        await Promise.all([holder.close(), bare.close()]);
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function reexecResult(facts: { heldBefore: boolean; exited: boolean; heldAfter: boolean }):
  HazardResult {
  const base = { id: 'unregistered-reexec' as const, facts,
    title: 'SIGUSR1 with an unregistered connection keeps the daemon and its locks' };
  if (facts.exited) {
    const lock = facts.heldAfter ? 'survived (?)' : 'was lost';
    return { ...base, verdict: 'warn', detail: 'virtlockd exited on SIGUSR1 while a connection ' +
      `was unregistered; the held lock ${lock}. The lockd driver registers every connection in ` +
      'its first write; other clients may not' };
  }
  return { ...base, verdict: facts.heldAfter ? 'pass' : 'fail', detail: facts.heldAfter
    ? 'virtlockd re-executed and kept the lock' : 'virtlockd survived but the lock was lost' };
}
