/**
 * The conformance harness for libvirt's own lockd.so (`libvirt-lockd`) against a live virtlockd:
 * real temp files, and owners that are VM children of the helper, registered between fork and
 * exec by libvirt's code (New(NEW_STARTED), AddResource…, Acquire(REGISTER_ONLY | RESTRICT),
 * Free), as qemuProcessHook registers QEMU. An owner's `exit` SIGKILLs its stand-in, waits until
 * it is reaped and then until virtlockd has handled the close (`settle`).
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceHarness, HarnessFactory, OwnerHandle } from '../harness.ts';
import { identity } from '../../contract/identity.ts';
import { AcquireFlags, NewFlags, ResourceType, flagsOfMode } from '../../contract/flags.ts';
import { settle } from './lockd.ts';
import { validateResource } from '../../contract/resources.ts';
import { createLibvirtDriver, type LibvirtLockDriver } from '../../drivers/libvirt/driver.ts';
import type { HelperVm } from '../../drivers/libvirt/helper-process.ts';
import { ownLockCall } from '../../drivers/libvirt/own-call.ts';

/** Which live daemon, and how, the harness checks. */
export interface LibvirtHarnessOptions {
  readonly socket: string;
  /** Indirect leases in this lockspace dir (absent: direct leases on the disks). */
  readonly lockspaceDir?: string;
  /** Where the per-check disk dirs are made (default: the OS temp dir). */
  readonly diskParent?: string;
}

function ownerHandle(driver: LibvirtLockDriver, vm: HelperVm, options: LibvirtHarnessOptions):
  OwnerHandle {
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
    callOwn: (operation, disk) => ownLockCall(vm, operation, disk, 'exclusive',
      options.lockspaceDir ?? null),
    async exit() {
      await vm.kill('SIGKILL');
      await settle(options.socket);
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
    return {
      driver,
      config,
      async disk(name) {
        const path = join(dir, `${name}.img`);
        await writeFile(path, '', { flag: 'a' });
        return path;
      },
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
        return ownerHandle(driver, vm, options);
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
