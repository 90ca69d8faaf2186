/**
 * The conformance harness of the kernel-lock drivers: real files in a fresh temporary directory
 * and real owner processes. `posix` owners are real supervisors (`realSupervisor()`, which hold
 * the locks); `ofd` owners are real VM stand-in processes (the driver holds their locks here and
 * must notice by itself when one dies: `exit()` only kills the process and waits for it).
 * Registration is libvirtd-side (REGISTER_ONLY naming the pid): kernel locks have no connection
 * of the owner's own, so the restricted-connection check does not apply.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockManagerPlugin } from '../../api/plugin.ts';
import type { ConformanceHarness, HarnessFactory, OwnerHandle } from '../harness.ts';
import { identity } from '../../contract/identity.ts';
import { AcquireFlags, ObjectType, ResourceType } from '../../contract/flags.ts';
import { toParamList } from '../../contract/params.ts';
import { createOfdDriver } from '../../drivers/ofd/driver.ts';
import { createPosixDriver } from '../../drivers/posix/driver.ts';
import { AgentDirectory } from '../../drivers/kernel/supervisor/agents.ts';
import { trackPath, trackProcess } from '../../drivers/kernel/supervisor/cleanup.ts';
import { realSupervisor } from '../../drivers/kernel/supervisor/real-supervisor.ts';
import { VmProcess } from '../../drivers/kernel/supervisor/vm-process.ts';
import type { LockDriver } from '../../contract/driver.ts';
import { identify } from '../../system/process-identity.ts';

export interface KernelHarnessOptions {
  /** Indirect leases in a lockspace inside the temporary directory. */
  readonly indirect?: boolean;
}

/** A process that can own locks, and be killed. */
interface OwnerProcess {
  readonly pid: number;
  kill(): Promise<void>;
}

async function standInOwner(): Promise<OwnerProcess> {
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

export function kernelHarness(kind: 'ofd' | 'posix', options: KernelHarnessOptions = {}):
  HarnessFactory {
  return async (): Promise<ConformanceHarness> => {
    const dir = mkdtempSync(join(tmpdir(), `lockchart-${kind}-`));
    const untrackDir = trackPath(dir);
    mkdirSync(join(dir, 'disks'));
    const config = options.indirect ? { lockspace_dir: join(dir, 'lockspace') } : {};
    const agents = new AgentDirectory();
    const supervisor = realSupervisor({ agents, vm: () => null });
    const driver: LockDriver = kind === 'ofd' ? createOfdDriver() : createPosixDriver({ agents });
    const owners: OwnerProcess[] = [];
    let plugin: LockManagerPlugin | null = null;
    const load = async () => (plugin ??= await LockManagerPlugin.load(driver, { config }));

    const spawnOwner = async (): Promise<OwnerHandle> => {
      const owner: OwnerProcess = kind === 'ofd' ? await standInOwner() : await (async () => {
        const pid = await supervisor.start(identity(owners.length + 1));
        return { pid, kill: () => supervisor.kill(pid) };
      })();
      owners.push(owner);
      const pid = owner.pid;
      return {
        pid,
        async register({ restrict, disks }) {
          const p = await load();
          const man = await p.new(ObjectType.DOMAIN, toParamList({ ...identity(pid), pid }), 0);
          for (const disk of disks) await p.addResource(man, ResourceType.DISK, disk, [], 0);
          const flags = AcquireFlags.REGISTER_ONLY | (restrict ? AcquireFlags.RESTRICT : 0);
          await p.acquire(man, null, flags, 0);
          await p.free(man);
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
      async alias(path) {
        const link = `${path}.link`;
        if (!existsSync(link)) symlinkSync(path, link);
        return link;
      },
      spawnOwner,
      async cleanup() {
        await Promise.all(owners.map((owner) => owner.kill()));
        await driver.deinit();
        rmSync(dir, { recursive: true, force: true });
        untrackDir();
      },
    };
  };
}
