/**
 * Real mode for `libvirt-sanlock`: libvirt's own sanlock.so in the libvirt backend
 * (`backend.ts`), one private sanlock daemon per host (`daemons/sanlock.ts`), all hosts sharing
 * ONE `disk_lease_dir` in the run's directory — the `__LIBVIRT__DISKS__` lockspace, which host
 * h<i> joins with host_id i+1 when its plugin loads (3 s at io_timeout 1 s), and one lease file
 * per disk, named by the MD5 of its path.
 *
 * The reference is `model-sanlock`. A dead VM's leases are released by the daemon once it notices
 * the closed connection: `settle` waits until the pid is no longer registered. The daemons, the
 * lease directory, the reference and the fault classes made real are every sanlock world's
 * (`../sanlock/world.ts`, which says why the others are not); one more reason here against
 * daemon and host crashes: sanlock.so joins its lockspace only when libvirtd loads it, so a
 * restarted daemon would need libvirtd restarted with it.
 *
 * Locks are not observed (`observe` is null): sanlock keeps them in lease files whose on-disk
 * state lags the daemon's; they are judged through the calls' answers.
 */
import type { SanlockDaemon } from '../../daemons/sanlock.ts';
import { SANLOCK_PLUGIN } from '../../drivers/libvirt/driver.ts';
import { ownSanlockCall } from '../../drivers/libvirt/own-call.ts';
import { sanlockConfText, sanlockHelperEnv } from '../../drivers/libvirt/sanlock-config.ts';
import { hostIdOf, IO_TIMEOUT_S, leaseDirOf, SANLOCK_REAL_FAULTS, SANLOCK_REFERENCE,
  settleDaemon, startHostDaemon } from '../sanlock/world.ts';
import { libvirtFlavouredBackend, type BackendFlavour, type LibvirtBackendOptions,
  type LibvirtRealBackend } from './backend.ts';
import type { HostFlavour } from './host.ts';

function hostFlavour(leaseDir: string): HostFlavour<SanlockDaemon> {
  return {
    plugin: 'sanlock',
    startDaemon: (index, options) => startHostDaemon(index, options.parentDir),
    confText: (daemon, index) => sanlockConfText({ runDir: daemon.dir, diskLeaseDir: leaseDir,
      hostId: hostIdOf(index), ioTimeoutS: IO_TIMEOUT_S, timeoutMs: 0 }),
    helper: (daemon) => ({ links: [], env: sanlockHelperEnv({ runDir: daemon.dir }) }),
    settle: settleDaemon,
  };
}

const SANLOCK_FLAVOUR: BackendFlavour<SanlockDaemon> = {
  name: 'libvirt-sanlock',
  reference: SANLOCK_REFERENCE,
  failure: SANLOCK_PLUGIN.failure,
  faults: SANLOCK_REAL_FAULTS,
  host: (world) => hostFlavour(leaseDirOf(world)),
  rogue: (vm, op, path, mode, world) => ownSanlockCall(vm, op, path, mode, leaseDirOf(world)),
  observe: () => null,
};

/** `libvirt-sanlock` in real mode (see the module comment). */
export function libvirtSanlockBackend(options: LibvirtBackendOptions = {}):
  LibvirtRealBackend<SanlockDaemon> {
  return libvirtFlavouredBackend(SANLOCK_FLAVOUR, options);
}
