/**
 * Real mode for the kernel-lock drivers (`ofd`, `posix`, and `posix-naive` to show the POSIX
 * trap): a `RealBackend` over real kernel locks, real supervised processes and real files
 * (`supervised-backend.ts`: the world, the hosts, the owner processes).
 *
 * What the kernel holds is read from `/proc/locks` (`kernel-observe.ts`); a guest's own lock
 * call is the stand-in going at byte 0 itself (`kernel-rogue.ts`).
 *
 * The reference is `model-kernel`: virtlockd's semantics with these drivers' names (libvirt's,
 * locked on the file itself in direct mode, alias leases in indirect mode), owners watched.
 * Fault classes are made real where they mean something
 * without a lock daemon (see `KERNEL_FAULTS`); `docs/real-mode.md` says how each one strikes.
 */
import type { FailureSemantics } from '../../contract/driver.ts';
import { lockdModel } from '../../drivers/model/lockd-model.ts';
import { OFD_FAILURE } from '../../drivers/ofd/driver.ts';
import { POSIX_FAILURE } from '../../drivers/posix/failure.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import type { DiskUse } from '../../sim/world/types.ts';
import type { ObservedLock, RealReply } from '../backend.ts';
import { inProcessHost, type HostLocks, type KernelDriverName } from './hosts.ts';
import { childProcessHost } from './host-process.ts';
import { observedLocks, stableByteZeroLocks } from './observe.ts';
import { guestOwnCall } from './rogue.ts';
import { meaninglessFault, type RealModeError } from '../runner.ts';
import {
  SupervisedBackend,
  SUPERVISED_FAULTS,
  type SupervisedBackendOptions,
} from '../supervised-backend.ts';

export type { KernelDriverName } from './hosts.ts';

/** The simulator driver these backends are checked against, and its configuration. */
export const KERNEL_REFERENCE = 'model-kernel';
export const KERNEL_CONFIG = { alias_locks: true, inode_locks: true, watch_owners: true } as const;

/**
 * What each driver can make real. `daemon-reexec` and `connection-drop` mean nothing without a
 * lock daemon and are refused. `daemon-crash` means something only for ofd, whose "daemon" is
 * the lock table in libvirtd: it is lost and reloaded empty while the VMs run.
 */
export const KERNEL_FAULTS: Readonly<Record<KernelDriverName, ReadonlySet<FaultName>>> = {
  ofd: new Set([...SUPERVISED_FAULTS, 'daemon-crash']),
  posix: new Set(SUPERVISED_FAULTS),
  'posix-naive': new Set(SUPERVISED_FAULTS),
};

export type KernelBackendOptions = SupervisedBackendOptions;

export class KernelBackend extends SupervisedBackend {
  readonly model = lockdModel as LockServiceModel<unknown>;
  readonly config = KERNEL_CONFIG;
  override readonly reference = KERNEL_REFERENCE;
  readonly faults: ReadonlySet<FaultName>;
  readonly failure: FailureSemantics;

  constructor(readonly name: KernelDriverName, options: KernelBackendOptions = {}) {
    super('lockchart-real-kernel-', options);
    this.faults = KERNEL_FAULTS[name];
    this.failure = name === 'ofd' ? OFD_FAILURE : POSIX_FAILURE;
  }

  async rogueCall(pid: number, op: 'acquire' | 'release', use: DiskUse): Promise<RealReply> {
    const { procs, world } = this.need();
    const proc = procs.need(pid, 'rogue call');
    return guestOwnCall({ agent: proc.agent, index: await procs.diskIndex(proc, use.disk),
      disk: use.disk, op, primitive: this.name === 'ofd' ? 'ofd' : 'posix',
      disks: world.identities });
  }

  async daemonCrash(host: number): Promise<void> {
    if (!this.faults.has('daemon-crash')) throw this.meaningless('daemon-crash');
    await this.need().hosts[host]!.restart();
  }

  async observe(): Promise<ObservedLock[]> {
    const { world, procs } = this.need();
    return observedLocks(stableByteZeroLocks(world.identities), (real) => procs.modelPid(real));
  }

  protected loadHost(): Promise<HostLocks> {
    return this.name === 'posix-naive' ? childProcessHost() : inProcessHost(this.name);
  }

  protected override meaningless(fault: FaultName): RealModeError {
    return meaninglessFault(this.name, fault,
      'there is no lock daemon or owner connection, only kernel locks');
  }
}

/** The real `ofd`, `posix` or `posix-naive` backend. */
export function kernelBackend(name: KernelDriverName, options: KernelBackendOptions = {}):
  KernelBackend {
  return new KernelBackend(name, options);
}
