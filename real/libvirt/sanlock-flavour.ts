/**
 * Real mode for `libvirt-sanlock`: libvirt's own sanlock.so in the libvirt backend
 * (`backend.ts`), one private sanlock daemon per host (`daemons/sanlock.ts`), all hosts sharing
 * ONE `disk_lease_dir` in the run's directory — the `__LIBVIRT__DISKS__` lockspace, which host
 * h<i> joins with host_id i+1 when its plugin loads (3 s at io_timeout 1 s), and one lease file
 * per disk, named by the MD5 of its path.
 *
 * The reference is `model-sanlock`: the lease model as these daemons run (io_timeout 1 s, no
 * watchdog). A dead VM's leases are released by the daemon once it notices the closed
 * connection: `settle` waits until the pid is no longer registered.
 *
 * What is not made real here:
 * - the lease model's timed faults (storage, pauses, clocks, the watchdog): they need sanlock's
 *   renewal timeline, not one call at a time;
 * - daemon crashes and host crashes: sanlock.so joins its lockspace only when libvirtd loads it,
 *   so a restarted daemon would need libvirtd restarted with it, and a host_id rejoin takes
 *   seconds (left for later);
 * - re-execs: sanlock has none.
 * Locks are not observed (`observe` is null): sanlock keeps them in lease files whose on-disk
 * state lags the daemon's; they are judged through the calls' answers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SANLOCK_DAEMON_CONFIG } from '../../drivers/lease/driver.ts';
import { leaseModel } from '../../drivers/lease/model.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { waitUnregistered } from '../../conformance/harnesses/sanlock.ts';
import { SanlockDaemon } from '../../daemons/sanlock.ts';
import { SANLOCK_PLUGIN } from '../../drivers/libvirt/driver.ts';
import { ownSanlockCall } from '../../drivers/libvirt/own-call.ts';
import { sanlockConfText, sanlockHelperEnv } from '../../drivers/libvirt/sanlock-config.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import type { LockdWorld } from '../lockd/world.ts';
import { libvirtFlavouredBackend, type BackendFlavour, type LibvirtBackendOptions,
  type LibvirtRealBackend } from './backend.ts';
import type { HostFlavour } from './host.ts';

/** `model-sanlock` (`drivers/registry/builtin.ts`). */
export const SANLOCK_REFERENCE = {
  name: 'model-sanlock',
  model: leaseModel as LockServiceModel<unknown>,
  config: SANLOCK_DAEMON_CONFIG,
} as const;

/** The fault classes made real for sanlock.so (see the module comment for the others). */
export const LIBVIRT_SANLOCK_FAULTS: ReadonlySet<FaultName> = new Set<FaultName>([
  'process-crash', 'process-kill', 'libvirtd-restart', 'acquire-fails', 'release-fails',
  'partial-acquire', 'external-resume', 'path-alias', 'connection-drop', 'image-probe',
]);

/** The shared lease directory of a world. */
export function leaseDirOf(world: LockdWorld): string {
  return join(world.root, 'leases');
}

function hostFlavour(leaseDir: string): HostFlavour<SanlockDaemon> {
  return {
    plugin: 'sanlock',
    startDaemon: (index, options) => SanlockDaemon.start({ parentDir: options.parentDir,
      hostName: `lockchart-h${index}` }),
    confText: (daemon, index) => sanlockConfText({ runDir: daemon.dir, diskLeaseDir: leaseDir,
      hostId: index + 1, ioTimeoutS: 1, timeoutMs: 0 }),
    helper: (daemon) => ({ links: [], env: sanlockHelperEnv({ runDir: daemon.dir }) }),
    async settle(daemon, pid) {
      if (pid === null) await daemon.client.version();
      else await waitUnregistered(daemon.client, pid);
    },
  };
}

const SANLOCK_FLAVOUR: BackendFlavour<SanlockDaemon> = {
  name: 'libvirt-sanlock',
  reference: SANLOCK_REFERENCE,
  failure: SANLOCK_PLUGIN.failure,
  faults: LIBVIRT_SANLOCK_FAULTS,
  host(world) {
    mkdirSync(leaseDirOf(world), { recursive: true });
    return hostFlavour(leaseDirOf(world));
  },
  rogue: (vm, op, path, mode, world) => ownSanlockCall(vm, op, path, mode, leaseDirOf(world)),
  observe: () => null,
};

/** `libvirt-sanlock` in real mode (see the module comment). */
export function libvirtSanlockBackend(options: LibvirtBackendOptions = {}):
  LibvirtRealBackend<SanlockDaemon> {
  return libvirtFlavouredBackend(SANLOCK_FLAVOUR, options);
}
