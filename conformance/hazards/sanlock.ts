/**
 * Known sanlock hazards, reproduced against live daemons and reported as data:
 *
 * - **split brain without a watchdog** (edge case #18, reference §6): with `-w 0`, a host whose
 *   sanlock daemon dies keeps its lease holders running; nothing fences them. Once the dead
 *   host's delta lease is old enough (host_dead_seconds = 8·io_timeout + 60 s in 3.8.5), another
 *   host is granted the lease while the first holder still runs.
 * - **a command on a restricted connection** (found here): sanlock 3.8.5 does not answer it, and
 *   when its length is not a multiple of the 32-byte header (an ACQUIRE is 1256 bytes) the
 *   daemon's main loop blocks reading the rest as headers, so the whole daemon stops answering
 *   (and stops checking lease renewals) until that client goes away.
 *
 * "Hosts" are private daemons on one lease directory, each joined with its own host_id.
 */
import { LOCK_MANAGER_VERSION, ObjectType, ResourceType, flagsOfMode, type LockMode } from '../../contract/flags.ts';
import { identity } from '../../contract/identity.ts';
import { isLockError, lockError } from '../../contract/errors.ts';
import type { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { validateResource } from '../../contract/resources.ts';
import { SanlockClient } from '../../drivers/sanlock/client.ts';
import type { SanlockDaemon } from '../../daemons/sanlock.ts';
import { createSanlockDriver, type SanlockDriver } from '../../drivers/sanlock/driver.ts';
import { sanlockConfig, spawnSanlockOwner } from '../harnesses/sanlock.ts';
import { autoDiskLockspace } from '../../drivers/sanlock/naming.ts';
import { isSanlockError } from '../../drivers/sanlock/result-codes.ts';
import { Requests, RestrictFlag } from '../../drivers/sanlock/wire.ts';

/** One host: its daemon, its host_id, and libvirtd's sanlock driver on it. */
export interface SanlockHost {
  readonly daemon: SanlockDaemon;
  readonly hostId: number;
  readonly config: Record<string, unknown>;
  readonly driver: SanlockDriver;
}

/**
 * Makes `daemon` a host of the lockspace in `leaseDir` (formatting it if needed): the sanlock
 * driver's init with automatic disk leases, then a check that the join really happened.
 */
export async function joinHost(daemon: SanlockDaemon, leaseDir: string, hostId: number,
  ioTimeoutS = 1): Promise<SanlockHost> {
  const config = sanlockConfig({ socket: daemon.socketPath, leaseDir, hostId, ioTimeoutS });
  const driver = createSanlockDriver();
  await driver.init(LOCK_MANAGER_VERSION, config, 0);
  const joined = await daemon.client.inqLockspace(autoDiskLockspace(leaseDir, hostId));
  if (joined !== 0) {
    throw lockError('SYSTEM_ERROR', `host ${hostId} did not join the lockspace in ${leaseDir} ` +
      `(inq_lockspace ${joined}); see ${daemon.logFile}`, { operation: 'init', driver: 'sanlock' });
  }
  return { daemon, hostId, config, driver };
}

/** libvirtd on `host` acquiring (or releasing) `disk` for `pid`: one fresh object, one call. */
export async function lockFor(host: SanlockHost, pid: number, disk: string,
  operation: 'acquire' | 'release', mode: LockMode = 'exclusive'): Promise<string | null> {
  const { driver } = host;
  const object = await driver.create({ type: ObjectType.DOMAIN,
    params: { ...identity(pid), pid }, flags: 0 });
  try {
    await driver.addResource(object, validateResource(ResourceType.DISK, disk, flagsOfMode(mode)));
    if (operation === 'release') return await driver.release(object, 0);
    await driver.acquire(object, { state: null, flags: 0, action: 0 });
    return null;
  } finally {
    await driver.free(object);
  }
}

/** An owner process on `host`, registered (and restricted) as libvirt's child does it. */
export async function ownerOn(host: SanlockHost): Promise<OwnerProcess> {
  const owner = await spawnSanlockOwner(host.config);
  await owner.register({ restrict: true });
  return owner;
}

/** What the split-brain reproduction saw. */
export interface SplitBrainReport {
  readonly disk: string;
  readonly holder: { readonly pid: number; readonly hostId: number };
  readonly taker: { readonly pid: number; readonly hostId: number };
  /** The other host's answer while the holder's daemon still ran (must be a refusal). */
  readonly refusedBefore: string;
  /** Milliseconds from the SIGKILL of the holder's daemon to the grant (null: never granted). */
  readonly grantedAfterMs: number | null;
  /** Whether the holder process was still running when the other host got the lease. */
  readonly holderRanAtGrant: boolean;
  /** The refusals seen meanwhile, by sanlock code name, with counts. */
  readonly refusals: Readonly<Record<string, number>>;
  /** The bound of sanlock 3.8.5 for a takeover: 8·io_timeout + 60 s. */
  readonly hostDeadS: number;
  /** Both processes were alive and granted the same exclusive lease. */
  readonly splitBrain: boolean;
}

function refusalName(error: unknown): string {
  if (isSanlockError(error)) return error.sanlockName;
  return isLockError(error) ? error.code : String(error);
}

/**
 * Host A's holder takes `disk`; host A's daemon is SIGKILLed (no watchdog: nothing fences the
 * holder); host B's libvirtd retries the lease for its own owner every `pollMs` until granted or
 * `timeoutMs` passed. The holder is never touched. Owners are killed before returning.
 */
export async function reproduceSplitBrain(a: SanlockHost, b: SanlockHost, disk: string,
  options: { ioTimeoutS?: number; pollMs?: number; timeoutMs?: number } = {}):
  Promise<SplitBrainReport> {
  const hostDeadS = 8 * (options.ioTimeoutS ?? 1) + 60;
  const [holder, taker] = await Promise.all([ownerOn(a), ownerOn(b)]);
  try {
    await lockFor(a, holder.pid, disk, 'acquire');
    const refusedBefore = await lockFor(b, taker.pid, disk, 'acquire')
      .then(() => 'granted', refusalName);
    a.daemon.kill('SIGKILL');
    await a.daemon.waitExit();
    const killedAt = Date.now();
    const deadline = killedAt + (options.timeoutMs ?? (hostDeadS + 40) * 1000);
    const refusals: Record<string, number> = {};
    let grantedAfterMs: number | null = null;
    let holderRanAtGrant = false;
    while (Date.now() < deadline) {
      try {
        await lockFor(b, taker.pid, disk, 'acquire');
        grantedAfterMs = Date.now() - killedAt;
        holderRanAtGrant = holder.alive;
        break;
      } catch (error) {
        const name = refusalName(error);
        refusals[name] = (refusals[name] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
      }
    }
    return { disk, holder: { pid: holder.pid, hostId: a.hostId },
      taker: { pid: taker.pid, hostId: b.hostId }, refusedBefore, grantedAfterMs,
      holderRanAtGrant, refusals, hostDeadS,
      splitBrain: grantedAfterMs !== null && holderRanAtGrant && taker.alive };
  } finally {
    await Promise.all([holder.kill('SIGKILL'), taker.kill('SIGKILL')]);
  }
}

/** One line for a test log or a report. */
export function describeSplitBrain(report: SplitBrainReport): string {
  if (report.grantedAfterMs === null) {
    return `no split brain: host ${report.taker.hostId} was never granted ${report.disk} ` +
      `(refusals: ${JSON.stringify(report.refusals)})`;
  }
  const after = (report.grantedAfterMs / 1000).toFixed(1);
  return `${report.splitBrain ? 'SPLIT BRAIN' : 'no split brain'}: host ${report.taker.hostId} ` +
    `granted ${report.disk} to pid ${report.taker.pid} ${after} s after host ` +
    `${report.holder.hostId}'s sanlock daemon was SIGKILLed (-w 0, no watchdog; bound ` +
    `8·io+60 = ${report.hostDeadS} s), while pid ${report.holder.pid}, the holder on host ` +
    `${report.holder.hostId}, ${report.holderRanAtGrant ? 'still ran' : 'was gone'} ` +
    `(refusals meanwhile: ${JSON.stringify(report.refusals)})`;
}

/** What a command on a restricted connection does to the daemon. */
export interface RestrictedCommandReport {
  /** Whether the daemon dropped the restricted connection (it answers nothing either way). */
  readonly connectionDropped: boolean;
  /** Whether the daemon stopped answering other clients (VERSION on a new connection). */
  readonly daemonWedged: boolean;
  /** Whether it answered again once the restricted client closed its connection. */
  readonly recoveredAfterClose: boolean;
}

/**
 * Registers this process, restricts the connection (RESTRICT_ALL, as libvirt's child does), then
 * sends an ACQUIRE on it anyway, bypassing the client's own refusal; probes the daemon from
 * another connection for `probeMs`; closes the registration and probes again.
 */
export async function restrictedCommandHazard(socket: string, probeMs = 1_500):
  Promise<RestrictedCommandReport> {
  const client = new SanlockClient({ socket });
  const probe = new SanlockClient({ socket, timeoutMs: probeMs });
  const registration = await client.register();
  try {
    await registration.restrict(RestrictFlag.ALL);
    const lease = { lockspace: 'none', name: 'none', flags: 0, lver: 0n,
      disks: [{ path: '/nonexistent', offset: 0 }] };
    registration.writeRaw(Requests.acquire([lease], { self: true }, 'hazard'));
    // The daemon reads the request 32 bytes per poll round; give it time to reach the tail.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const daemonWedged = await probe.version().then(() => false, () => true);
    const connectionDropped = !registration.open;
    await registration.close();
    const recoveredAfterClose = await new SanlockClient({ socket, timeoutMs: 5_000 }).version()
      .then(() => true, () => false);
    return { connectionDropped, daemonWedged, recoveredAfterClose };
  } finally {
    await registration.close();
  }
}
