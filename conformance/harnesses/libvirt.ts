/**
 * The conformance harnesses for libvirt's own plugins against live daemons: lockd.so
 * (`libvirt-lockd`) on a virtlockd, sanlock.so (`libvirt-sanlock`) on a sanlock daemon. Real
 * temp files, and owners that are VM children of the helper, registered between fork and exec by
 * libvirt's code (New(NEW_STARTED), AddResource…, Acquire(REGISTER_ONLY | RESTRICT), Free), as
 * qemuProcessHook registers QEMU. An owner's `exit` SIGKILLs its stand-in, waits until it is
 * reaped and then until the daemon has handled the close (virtlockd: `settle`; sanlock: the pid
 * is no longer registered).
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceHarness, HarnessFactory, OwnerHandle } from '../harness.ts';
import { identity } from '../../contract/identity.ts';
import { AcquireFlags, NewFlags, ResourceType, flagsOfMode } from '../../contract/flags.ts';
import { settle } from './lockd.ts';
import { validateResource } from '../../contract/resources.ts';
import { createLibvirtDriver, createLibvirtSanlockDriver, type LibvirtLockDriver }
  from '../../drivers/libvirt/driver.ts';
import type { HelperVm } from '../../drivers/libvirt/helper-process.ts';
import { ownLockCall, ownSanlockCall } from '../../drivers/libvirt/own-call.ts';
import { SanlockClient, socketIn } from '../../drivers/sanlock/client.ts';
import { diskLeaseName, inLeaseDir } from '../../drivers/sanlock/naming.ts';
import { waitUnregistered } from './sanlock.ts';
import { emptyDiskImage } from './disk-image.ts';

/** Which live daemon, and how, the harness checks. */
export interface LibvirtHarnessOptions {
  readonly socket: string;
  /** Indirect leases in this lockspace dir (absent: direct leases on the disks). */
  readonly lockspaceDir?: string;
  /** Where the per-check disk dirs are made (default: the OS temp dir). */
  readonly diskParent?: string;
}

/** What differs between the plugins' owners: their own call, and waiting for the daemon. */
interface OwnerSide {
  callOwn(vm: HelperVm, operation: 'acquire' | 'release', disk: string): Promise<void>;
  /** Resolves once the daemon has handled the death of the reaped VM `pid`. */
  settled(pid: number): Promise<void>;
}

function ownerHandle<C>(driver: LibvirtLockDriver<C>, vm: HelperVm, side: OwnerSide): OwnerHandle {
  return {
    pid: vm.pid,
    async register({ restrict, disks }) {
      await vm.register(driver.plugin(), {
        newFlags: NewFlags.NEW_STARTED,
        flags: AcquireFlags.REGISTER_ONLY | (restrict ? AcquireFlags.RESTRICT : 0),
        params: { ...identity(vm.pid), pid: vm.pid, uri: 'qemu:///system' },
        resources: disks.map((disk) => validateResource(ResourceType.DISK, disk,
          flagsOfMode('exclusive'))),
      });
    },
    callOwn: (operation, disk) => side.callOwn(vm, operation, disk),
    async exit() {
      await vm.kill('SIGKILL');
      await side.settled(vm.pid);
    },
  };
}

/** A conformance harness factory for libvirt's lockd.so on a live daemon (one per check). */
export function libvirtHarness(options: LibvirtHarnessOptions): HarnessFactory {
  return async (): Promise<ConformanceHarness> => {
    const dir = await mkdtemp(join(options.diskParent ?? tmpdir(), 'lockchart-conform-'));
    const config = { socket: options.socket,
      ...(options.lockspaceDir ? { file_lockspace_dir: options.lockspaceDir } : {}) };
    const driver = createLibvirtDriver({ parentDir: dir });
    const vms: HelperVm[] = [];
    const side: OwnerSide = {
      callOwn: (vm, operation, disk) => ownLockCall(vm, operation, disk, 'exclusive',
        options.lockspaceDir ?? null),
      settled: () => settle(options.socket),
    };
    return {
      driver,
      config,
      disk: (name) => emptyDiskImage(dir, name),
      async alias(path) {
        const link = `${path}.link`;
        await symlink(path, link).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        return link;
      },
      async spawnOwner() {
        const vm = await driver.spawnVm();
        vms.push(vm);
        return ownerHandle(driver, vm, side);
      },
      async cleanup() {
        await Promise.all(vms.map((vm) => vm.kill('SIGKILL')));
        await driver.deinit();
        await settle(options.socket).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}

/** Which live sanlock daemon ("host"), and how, the sanlock.so harness checks. */
export interface LibvirtSanlockHarnessOptions {
  /** The daemon's SANLOCK_RUN_DIR. */
  readonly runDir: string;
  /** `disk_lease_dir`: the `__LIBVIRT__DISKS__` lockspace and the per-disk lease files. */
  readonly leaseDir: string;
  readonly hostId: number;
  /** io_timeout written to qemu-sanlock.conf (1: the first join takes 3 s). */
  readonly ioTimeoutS?: number;
  /** Where the per-check disk dirs are made (default: the OS temp dir). */
  readonly diskParent?: string;
}

/**
 * A conformance harness factory for libvirt's sanlock.so on a live sanlock daemon (one per
 * check). There is no `alias`: sanlock.so names a disk's lease by the MD5 of the path as written,
 * so two spellings are two leases by design (as for lockchart's sanlock driver, edge case #19).
 */
export function libvirtSanlockHarness(options: LibvirtSanlockHarnessOptions): HarnessFactory {
  const client = new SanlockClient({ socket: socketIn(options.runDir) });
  return async (): Promise<ConformanceHarness> => {
    const dir = await mkdtemp(join(options.diskParent ?? tmpdir(), 'lockchart-conform-'));
    const config = { run_dir: options.runDir, disk_lease_dir: options.leaseDir,
      host_id: options.hostId, io_timeout: options.ioTimeoutS ?? 1 };
    const driver = createLibvirtSanlockDriver({ parentDir: dir });
    const vms: HelperVm[] = [];
    const disks: string[] = [];
    const side: OwnerSide = {
      callOwn: (vm, operation, disk) => ownSanlockCall(vm, operation, disk, 'exclusive',
        options.leaseDir),
      settled: (pid) => waitUnregistered(client, pid),
    };
    return {
      driver,
      config,
      async disk(name) {
        const path = await emptyDiskImage(dir, name);
        disks.push(path);
        return path;
      },
      async spawnOwner() {
        const vm = await driver.spawnVm();
        vms.push(vm);
        return ownerHandle(driver, vm, side);
      },
      async cleanup() {
        await Promise.all(vms.map(async (vm) => {
          await vm.kill('SIGKILL');
          await waitUnregistered(client, vm.pid).catch(() => {});
        }));
        await driver.deinit();
        await rm(dir, { recursive: true, force: true });
        await Promise.all(disks.map((disk) =>
          rm(inLeaseDir(options.leaseDir, diskLeaseName(disk)), { force: true })));
      },
    };
  };
}
