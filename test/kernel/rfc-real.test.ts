/**
 * The RFC face (`api/rfc.ts`) over real processes: `realSupervisor()` starts a real supervisor
 * (and its VM stand-in) for `start()`, the kernel-lock drivers take real locks for its pid, and
 * `free()` on a process that still runs kills it — really: the pid is gone afterwards, and so
 * are its stand-in and its locks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RfcPlugin } from '../../api/rfc.ts';
import type { ExitKind } from '../../contract/supervisor.ts';
import type { LockDriver } from '../../contract/driver.ts';
import { ResourceFlags, ResourceType } from '../../contract/flags.ts';
import { identify } from '../../system/process-identity.ts';
import { createOfdDriver } from '../../drivers/ofd/driver.ts';
import { createPosixDriver } from '../../drivers/posix/driver.ts';
import { AgentDirectory } from '../../drivers/kernel/supervisor/agents.ts';
import { realSupervisor, type RealSupervisor } from '../../drivers/kernel/supervisor/real-supervisor.ts';
import { processCensus, sandbox, type Sandbox } from './helpers.ts';

let box: Sandbox;
let census: ReturnType<typeof processCensus>;
let agents: AgentDirectory;
let supervisor: RealSupervisor;
let exits: Array<[number, ExitKind]>;

beforeEach(() => {
  box = sandbox();
  census = processCensus();
  agents = new AgentDirectory();
  supervisor = realSupervisor({ agents });
  exits = [];
  supervisor.onExit((pid, how) => exits.push([pid, how]));
});

afterEach(async () => {
  await supervisor.killAll();
  expect(census.fresh(), 'processes that outlived the test').toEqual([]);
  expect(box.locks(), 'kernel locks left on the test files').toEqual([]);
  box.cleanup();
});

const drivers: Record<string, () => LockDriver> = {
  posix: () => createPosixDriver({ agents }),
  ofd: () => createOfdDriver(),
};

async function manager(driver: LockDriver, id: number) {
  const plugin = await RfcPlugin.load(driver, { supervisor });
  const man = await plugin.newManager();
  await man.setParameter('id', id);
  await man.setParameter('uuid', `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`);
  await man.setParameter('name', `vm${id}`);
  return { plugin, man };
}

describe.each(['posix', 'ofd'])('RFC face, %s driver, real processes', (kind) => {
  it('start takes the registered disks for a real pid; free kills the still running process',
    async () => {
      const { plugin, man } = await manager(drivers[kind]!(), 1);
      const [x, y] = [box.disk('x'), box.disk('y')];
      await man.registerResource(ResourceType.DISK, x, 0);
      const pid = await man.start();
      const vm = supervisor.process(pid)!.vmPid!;
      expect(identify(pid)).not.toBeNull();
      expect(box.locks().map((l) => [l.mode, kind === 'posix' ? l.pid : 'in-process']))
        .toEqual([['WRITE', kind === 'posix' ? pid : 'in-process']]);
      await man.acquireResource(ResourceType.DISK, y, ResourceFlags.SHARED);
      expect(box.locks().map((l) => l.mode).sort()).toEqual(['READ', 'WRITE']);
      await man.free();
      expect(identify(pid), 'the supervisor is gone').toBeNull();
      expect(identify(vm), 'its VM stand-in is gone').toBeNull();
      expect(supervisor.isAlive(pid)).toBe(false);
      expect(exits).toEqual([[pid, 'kill']]);
      expect(box.locks()).toEqual([]);
      await plugin.unload();
    });

  it('a start whose locks are held elsewhere fails, and its process does not survive', async () => {
    const x = box.disk('x');
    const first = await manager(drivers[kind]!(), 1);
    await first.man.registerResource(ResourceType.DISK, x, 0);
    const holder = await first.man.start();
    const second = await manager(drivers[kind]!(), 2);
    await second.man.registerResource(ResourceType.DISK, x, 0);
    await expect(second.man.start()).rejects.toMatchObject({ code: 'RESOURCE_BUSY' });
    expect(supervisor.agents.all().map((agent) => agent.pid)).toEqual([holder]);
    await first.man.free();
    // The failed start's process is dead, and a dead process holds nothing: Free succeeds
    // (the seed: Free after the process died releases) and nothing is left.
    await expect(second.man.free()).resolves.toBeUndefined();
    expect(box.locks()).toEqual([]);
    await first.plugin.unload();
    await second.plugin.unload();
  });
});
