/**
 * Interop on shared lease files: libvirt's own sanlock.so (host A: the helper, its private
 * sanlock daemon, host_id 1) and lockchart's `sanlock` driver (host B: another private daemon,
 * host_id 2) on ONE disk_lease_dir. Each side creates lease files the other then uses; the names
 * and the state strings are byte-identical; an exclusive lease held by one side makes the
 * other's acquire fail (sanlock's SANLK_ACQUIRE_IDLIVE, -243: held by another live host), and
 * the lease is free for the other side once its holder is gone.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LockDriver } from '../../contract/driver.ts';
import { isLockError, type LockError } from '../../contract/errors.ts';
import { AcquireFlags, FailureAction, flagsOfMode, LOCK_MANAGER_VERSION, NewFlags, ObjectType,
  ResourceType } from '../../contract/flags.ts';
import { identity } from '../../contract/identity.ts';
import { validateResource } from '../../contract/resources.ts';
import { sanlockConfig, spawnSanlockOwner, waitUnregistered } from '../../conformance/harnesses/sanlock.ts';
import type { SanlockDaemon } from '../../daemons/sanlock.ts';
import { createLibvirtSanlockDriver, type LibvirtLockDriver } from '../../drivers/libvirt/driver.ts';
import type { HelperVm } from '../../drivers/libvirt/helper-process.ts';
import type { LibvirtSanlockConfig } from '../../drivers/libvirt/sanlock-config.ts';
import type { LibvirtError } from '../../drivers/libvirt/wire.ts';
import type { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { createSanlockDriver } from '../../drivers/sanlock/driver.ts';
import { AUTO_DISK_LOCKSPACE, diskLeaseName, inLeaseDir } from '../../drivers/sanlock/naming.ts';
import type { SanlockError } from '../../drivers/sanlock/result-codes.ts';
import { describeLibvirtSanlock } from './libvirt-support.ts';
import { SanlockScratch } from './sanlock-support.ts';

const scratch = new SanlockScratch();
let daemonA: SanlockDaemon;
let daemonB: SanlockDaemon;
let leaseDir: string;
let disks: string;
let libvirtA: LibvirtLockDriver<LibvirtSanlockConfig>;
let lockchartB: LockDriver;
let configB: Record<string, unknown>;
const vms: HelperVm[] = [];
const owners: OwnerProcess[] = [];

const exclusive = (disk: string) =>
  validateResource(ResourceType.DISK, disk, flagsOfMode('exclusive'));
const params = (pid: number) => ({ ...identity(pid), pid, uri: 'qemu:///system' });

/** libvirtd's call on host A: one fresh object for the VM, one call, free. */
async function onA(vm: HelperVm, call: 'acquire' | 'release', disk: string): Promise<string | null> {
  const object = await libvirtA.create({ type: ObjectType.DOMAIN, params: params(vm.pid), flags: 0 });
  try {
    await libvirtA.addResource(object, exclusive(disk));
    if (call === 'release') return await libvirtA.release(object, 0);
    await libvirtA.acquire(object, { state: null, flags: 0, action: FailureAction.DEFAULT });
    return null;
  } finally {
    await libvirtA.free(object);
  }
}

/** The same call on host B, through lockchart's sanlock driver. */
async function onB(pid: number, call: 'acquire' | 'release' | 'inquire', disk: string):
  Promise<string | null> {
  const object = await lockchartB.create({ type: ObjectType.DOMAIN, params: params(pid), flags: 0 });
  try {
    await lockchartB.addResource(object, exclusive(disk));
    if (call === 'release') return await lockchartB.release(object, 0);
    if (call === 'inquire') return await lockchartB.inquire(object, 0);
    await lockchartB.acquire(object, { state: null, flags: 0, action: FailureAction.DEFAULT });
    return null;
  } finally {
    await lockchartB.free(object);
  }
}

/** A VM on host A, registered by sanlock.so in its child (qemuProcessHook). */
async function vmOnA(disk: string): Promise<HelperVm> {
  const vm = await libvirtA.spawnVm();
  vms.push(vm);
  await vm.register(libvirtA.plugin(), { newFlags: NewFlags.NEW_STARTED,
    flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, params: params(vm.pid),
    resources: [exclusive(disk)] });
  return vm;
}

/** A QEMU stand-in on host B, registered by lockchart's driver in its own process. */
async function ownerOnB(disk: string): Promise<OwnerProcess> {
  const owner = await spawnSanlockOwner(configB);
  owners.push(owner);
  await owner.register({ restrict: true, disks: [[disk, 'exclusive']] });
  return owner;
}

async function failure(promise: Promise<unknown>): Promise<LockError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  if (!isLockError(error)) throw new Error(`expected a LockError, got ${String(error)}`);
  return error;
}

/** Tries `acquire` until it succeeds: the daemon releases a dead holder's lease asynchronously. */
async function eventually(acquire: () => Promise<unknown>): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      await acquire();
      return;
    } catch (error) {
      if (tries >= 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

beforeAll(async () => {
  [daemonA, daemonB] = await Promise.all([scratch.daemon({ hostName: 'lc-libvirt-a' }),
    scratch.daemon({ hostName: 'lc-lockchart-b' })]);
  leaseDir = scratch.dir('lc-shared-leases-');
  disks = scratch.dir('lc-disks-');
  libvirtA = createLibvirtSanlockDriver({ parentDir: disks });
  lockchartB = createSanlockDriver();
  configB = sanlockConfig({ socket: daemonB.socketPath, leaseDir, hostId: 2 });
  // libvirt's plugin formats the lockspace and joins as host 1; lockchart joins it as host 2.
  await libvirtA.init(LOCK_MANAGER_VERSION, { run_dir: daemonA.dir, disk_lease_dir: leaseDir,
    host_id: 1, io_timeout: 1 }, 0);
  await lockchartB.init(LOCK_MANAGER_VERSION, configB, 0);
}, 60_000);

afterAll(async () => {
  await Promise.all(vms.map((vm) => vm.kill('SIGKILL')));
  await Promise.all(owners.map((owner) => owner.kill('SIGKILL')));
  await libvirtA?.deinit();
  await lockchartB?.deinit();
  await scratch.release();
});

describeLibvirtSanlock("libvirt's sanlock.so and lockchart's sanlock driver on one lease dir", () => {
  it('a lease libvirt holds makes lockchart fail with IDLIVE, and is lockchart\'s once the VM is gone',
    async () => {
      const disk = join(disks, 'one.img');
      writeFileSync(disk, '');
      const vm = await vmOnA(disk);
      await onA(vm, 'acquire', disk);
      // libvirt created the lease file, named as lockchart names it.
      expect(existsSync(inLeaseDir(leaseDir, diskLeaseName(disk)))).toBe(true);
      const owner = await ownerOnB(disk);
      const refused = await failure(onB(owner.pid, 'acquire', disk)) as SanlockError;
      expect(refused.code).toBe('RESOURCE_BUSY');
      expect(refused.sanlockCode).toBe(-243);
      await vm.kill('SIGKILL');
      await waitUnregistered(daemonA.client, vm.pid);
      await eventually(() => onB(owner.pid, 'acquire', disk));
      expect(await onB(owner.pid, 'inquire', disk)).toMatch(new RegExp(
        `^${AUTO_DISK_LOCKSPACE}:${diskLeaseName(disk)}:${inLeaseDir(leaseDir, diskLeaseName(disk))}:0:\\d+$`));
    });

  it('a lease lockchart holds makes libvirt fail, and the state strings are byte-identical',
    async () => {
      const disk = join(disks, 'two.img');
      writeFileSync(disk, '');
      const owner = await ownerOnB(disk);
      // lockchart creates this lease file (formatted aside, linked into place); libvirt uses it.
      await onB(owner.pid, 'acquire', disk);
      const held = await onB(owner.pid, 'inquire', disk);
      const vm = await vmOnA(disk);
      const refused = await failure(onA(vm, 'acquire', disk)) as LibvirtError;
      // sanlock.so reports a SANLK_* code as RESOURCE_BUSY with sanlock_strerror's text.
      expect([refused.code, refused.libvirt.stage, refused.message]).toEqual(['RESOURCE_BUSY',
        'acquire', 'resource busy: Failed to acquire lock: Lease is held by another host']);
      await owner.kill('SIGKILL');
      await waitUnregistered(daemonB.client, owner.pid);
      await eventually(() => onA(vm, 'acquire', disk));
      // libvirt's release returns its inquire string: the same lease, named the same way, one
      // lease version further (libvirt took it after lockchart).
      const released = await onA(vm, 'release', disk);
      const [lockspace, name, path, offset, lver] = released!.split(':');
      expect(`${lockspace}:${name}:${path}:${offset}`).toBe(held!.replace(/:\d+$/, ''));
      expect(Number(lver)).toBe(Number(held!.split(':').at(-1)) + 1);
      // One lockspace file and one lease file per disk, nothing else (no temporaries left).
      expect(readdirSync(leaseDir).sort()).toEqual([AUTO_DISK_LOCKSPACE,
        diskLeaseName(join(disks, 'one.img')), diskLeaseName(disk)].sort());
    });
});
