/**
 * What every real-mode world on sanlock daemons shares — lockchart's `sanlock` driver
 * (`backend.ts` here) and libvirt's own sanlock.so (`../libvirt/sanlock-flavour.ts`):
 *
 * - one private sanlock daemon per simulated host (`daemons/sanlock.ts`: `SANLOCK_PRIVILEGED=0`,
 *   its own `SANLOCK_RUN_DIR`, `-w 0 -l 0`), named `lockchart-h<i>` so a restart rejoins fast;
 * - ONE `disk_lease_dir` in the run's directory, shared by every host: the `__LIBVIRT__DISKS__`
 *   lockspace, which host h<i> joins with host_id i+1, and one lease file per disk path;
 * - the reference they are compared with, `model-sanlock`: the lease model as these daemons run
 *   (io_timeout 1 s, no watchdog);
 * - the fault classes that can be made real one call at a time. Not among them: the lease
 *   model's timed faults (storage-stall, storage-eio, process-pause, clock-jump, watchdog-off),
 *   and daemon-crash and host-crash, whose consequences the model plays out on the virtual
 *   clock (a silent host's leases become free host_dead = 68 s later, a rebooted host rejoins
 *   in a new generation): a `time` step jumps there in no time, the real daemons would take
 *   those seconds, so the two could only disagree; daemon-reexec and daemon-double-reexec:
 *   sanlock has no re-exec; supervisor-crash: the RFC design has no backend.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockError } from '../../contract/errors.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { waitUnregistered } from '../../conformance/harnesses/sanlock.ts';
import { SanlockDaemon } from '../../daemons/sanlock.ts';
import { SANLOCK_DAEMON_CONFIG } from '../../drivers/lease/driver.ts';
import { leaseModel } from '../../drivers/lease/model.ts';
import { readLeader } from '../../drivers/sanlock/leader.ts';
import { ResourceFlag, type SanlockResource } from '../../drivers/sanlock/wire.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import type { DiskWorld } from '../disk-images.ts';

/** `model-sanlock` (`drivers/registry/builtin.ts`). */
export const SANLOCK_REFERENCE = {
  name: 'model-sanlock',
  model: leaseModel as LockServiceModel<unknown>,
  config: SANLOCK_DAEMON_CONFIG,
} as const;

/** The fault classes real mode makes real on sanlock daemons (see the module comment). */
export const SANLOCK_REAL_FAULTS: ReadonlySet<FaultName> = new Set<FaultName>([
  'process-crash', 'process-kill', 'libvirtd-restart', 'acquire-fails', 'release-fails',
  'partial-acquire', 'external-resume', 'path-alias', 'connection-drop', 'image-probe',
]);

/** io_timeout of every lockspace formatted here (1 s, the minimum: a join takes 3 s). */
export const IO_TIMEOUT_S = 1;

/** The shared lease directory of a world, created on first use. */
export function leaseDirOf(world: Pick<DiskWorld, 'root'>): string {
  const dir = join(world.root, 'leases');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Host h<index>'s id in the `__LIBVIRT__DISKS__` lockspace. */
export function hostIdOf(index: number): number {
  return index + 1;
}

/** Host h<index>'s private daemon, its run directory under `parentDir`. */
export function startHostDaemon(index: number, parentDir: string): Promise<SanlockDaemon> {
  return SanlockDaemon.start({ parentDir, hostName: `lockchart-h${index}` });
}

/**
 * Resolves once the daemon has handled what happened before: with `pid`, the close of that dead
 * (or disconnected) owner's registered connection — the pid is no longer registered, its leases
 * released (on disk asynchronously: an acquire meeting one gets -EAGAIN, retried by lockchart's
 * client); without, one round trip.
 */
export async function settleDaemon(daemon: SanlockDaemon, pid: number | null): Promise<void> {
  if (pid === null) await daemon.client.version();
  else await waitUnregistered(daemon.client, pid);
}

/**
 * Waits until host `hostId` no longer owns any of the exclusive `leases` on disk: the daemon
 * releases a dead (or disconnected) owner's leases asynchronously after dropping its
 * registration, and until it has, another host's acquire is refused (SANLK_ACQUIRE_IDLIVE, -243).
 * Shared leases are left out: a mode block still set meets -11 EAGAIN, which the client retries.
 * @throws OPERATION_TIMEOUT after `timeoutMs`.
 */
export async function waitReleased(leases: readonly SanlockResource[], hostId: number,
  timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const lease of leases) {
    if (lease.flags & ResourceFlag.SHARED) continue;
    const { path, offset } = lease.disks[0]!;
    for (;;) {
      const leader = readLeader(path, offset);
      if (leader.free || leader.ownerId !== hostId) break;
      if (Date.now() > deadline) {
        throw lockError('OPERATION_TIMEOUT', `host_id ${hostId} still owns the lease ` +
          `${lease.name} (${path}) ${timeoutMs} ms after its owner went`);
      }
      await sleep(5);
    }
  }
}
