/**
 * The conformance harness of any `LockDriver` (a user's plugin): real disk files in a fresh
 * temporary directory, and real owner processes — VM stand-ins, the QEMU of the lock calls —
 * so the driver sees live pids that really die. Registration is libvirtd-side
 * (`acquire(REGISTER_ONLY | RESTRICT)` naming the pid), as for the kernel-lock drivers; a driver
 * of unknown make gives the owner no connection of its own, so the restricted-connection check
 * does not apply. When an owner exits, nothing tells the driver: it must notice by itself, as
 * virtlockd and sanlock do (libvirt has no callback for it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockManagerPlugin } from '../../api/plugin.ts';
import type { DriverConfig, LockDriver } from '../../contract/driver.ts';
import { AcquireFlags, ObjectType, ResourceType } from '../../contract/flags.ts';
import { identify } from '../../system/process-identity.ts';
import { toParamList } from '../../contract/params.ts';
import { trackPath, trackProcess } from '../../drivers/kernel/supervisor/cleanup.ts';
import { VmProcess } from '../../drivers/kernel/supervisor/vm-process.ts';
import type { ConformanceHarness, HarnessFactory, OwnerHandle } from '../harness.ts';
import { identity } from '../../contract/identity.ts';

interface Owner {
  readonly pid: number;
  kill(): Promise<void>;
}

async function standIn(): Promise<Owner> {
  const vm = await VmProcess.start({ owner: 0, disks: [], intervalMs: 0 });
  const who = identify(vm.pid);
  const untrack = who ? trackProcess(who) : () => {};
  return {
    pid: vm.pid,
    async kill() {
      await vm.kill();
      untrack();
    },
  };
}

export function lockDriverHarness(create: () => Promise<LockDriver>, config: DriverConfig = {}):
  HarnessFactory {
  return async (): Promise<ConformanceHarness> => {
    const dir = mkdtempSync(join(tmpdir(), 'lockchart-conform-'));
    const untrackDir = trackPath(dir);
    mkdirSync(join(dir, 'disks'));
    const driver = await create();
    const owners: Owner[] = [];
    let plugin: LockManagerPlugin | null = null;
    const load = async () => (plugin ??= await LockManagerPlugin.load(driver, { config }));
    const spawnOwner = async (): Promise<OwnerHandle> => {
      const owner = await standIn();
      owners.push(owner);
      const pid = owner.pid;
      return {
        pid,
        async register({ restrict, disks }) {
          const p = await load();
          const man = await p.new(ObjectType.DOMAIN, toParamList({ ...identity(pid), pid }), 0);
          try {
            for (const disk of disks) await p.addResource(man, ResourceType.DISK, disk, [], 0);
            const flags = AcquireFlags.REGISTER_ONLY | (restrict ? AcquireFlags.RESTRICT : 0);
            await p.acquire(man, null, flags, 0);
          } finally {
            await p.free(man).catch(() => {});
          }
        },
        exit: () => owner.kill(),
      };
    };
    return {
      driver,
      config,
      async disk(name) {
        const path = join(dir, 'disks', `${name}.img`);
        if (!existsSync(path)) writeFileSync(path, Buffer.alloc(8192));
        return path;
      },
      spawnOwner,
      async cleanup() {
        await Promise.all(owners.map((owner) => owner.kill()));
        await driver.deinit().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
        untrackDir();
      },
    };
  };
}
