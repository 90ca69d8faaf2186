/**
 * One host's lock service in real mode for the kernel-lock drivers: the driver instance that
 * host's libvirtd loaded. Each host has its own instance over the same disks, so two hosts
 * contend exactly as two machines sharing storage would:
 *
 * - `ofd`: an instance in this process. OFD locks belong to their descriptor, so instances in
 *   one process exclude each other like separate machines. Its lock table lives in libvirtd:
 *   when that libvirtd restarts (or "the lock daemon" crashes, which for ofd is the same
 *   thing), the table and every lock in it are gone.
 * - `posix`: an instance in this process whose locks are held by the owners' supervisors; the
 *   host's supervisors are found in the host's own agent directory, which outlives a libvirtd
 *   restart as the supervisors do.
 * - `posix-naive`: POSIX locks held in libvirtd's own process, so each host needs a process of
 *   its own (`kernel-host-process.ts`): within one process POSIX locks never conflict.
 */
import type { LockDriver } from '../../contract/driver.ts';
import { LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { createOfdDriver, type OfdDriver } from '../../drivers/ofd/driver.ts';
import { createPosixDriver } from '../../drivers/posix/driver.ts';
import { AgentDirectory } from '../../drivers/kernel/supervisor/agents.ts';
import type { RealReply } from '../backend.ts';
import { driverCall, type DriverCallKind } from './call.ts';
import { readImageHeader } from './image.ts';

/** The kernel-lock drivers real mode runs. */
export type KernelDriverName = 'ofd' | 'posix' | 'posix-naive';

export interface HostLocks {
  /** Where this host's supervisors are registered as lock owners (posix only). */
  readonly agents: AgentDirectory | null;
  /** libvirtd's call on behalf of real pid `pid`: a fresh object, one call, free. */
  call(kind: DriverCallKind, pid: number, resources: readonly ResourceSpec[],
    lockState: string | null): Promise<RealReply>;
  /** The owner died (libvirtd saw it exit): the driver forgets its locks, if it keeps any. */
  ownerGone(pid: number): Promise<void>;
  /** libvirtd opens the image and closes it again (reads its header). */
  probe(path: string): Promise<void>;
  /** libvirtd dies and starts again: the driver is unloaded and loaded afresh. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A driver instance in this process, reloaded by `restart`. */
export async function inProcessHost(name: 'ofd' | 'posix'): Promise<HostLocks> {
  const agents = name === 'posix' ? new AgentDirectory() : null;
  const load = async () => {
    const driver = agents ? createPosixDriver({ agents }) : createOfdDriver();
    await driver.init(LOCK_MANAGER_VERSION, {}, 0);
    return driver;
  };
  let driver: LockDriver<unknown> = await load() as LockDriver<unknown>;
  return {
    agents,
    call: (kind, pid, resources, lockState) => driverCall(driver, kind, pid, resources, lockState),
    async ownerGone(pid) {
      // ofd notices dead owners by itself (poll, or at the next request for the file); libvirtd
      // hears of the exit first and says so, as docs/decisions/kernel-locks.md asks.
      if (name === 'ofd') (driver as unknown as OfdDriver).ownerGone(pid);
    },
    async probe(path) {
      readImageHeader(path);
    },
    async restart() {
      await driver.deinit();
      driver = await load() as LockDriver<unknown>;
    },
    async close() {
      await driver.deinit();
    },
  };
}
