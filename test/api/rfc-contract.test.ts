/**
 * One test per sentence of the seed's contract (reference/seed-rfc-lock-manager-api.txt), on the
 * RFC face over the `model` driver and its model supervisor. Each test quotes its sentence.
 */
import { describe, expect, it } from 'vitest';
import type { RfcLockManager } from '../../api/rfc.ts';
import { isLockError, LockError } from '../../contract/errors.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { ParamType, ResourceFlags, ResourceType } from '../../contract/flags.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import { createFailingDriver } from '../helpers/failing-model.ts';
import { rfcWorld } from '../helpers/rfc-world.ts';

const { DISK } = ResourceType;
const A = '/var/lib/libvirt/images/a.img';
const B = '/var/lib/libvirt/images/b.img';

async function rejection(promise: Promise<unknown>): Promise<LockError> {
  const error = await promise.then(() => null, (thrown: unknown) => thrown);
  if (!isLockError(error)) throw new Error(`expected a LockError, got ${String(error)}`);
  return error;
}

function resourceState(manager: RfcLockManager, id: string) {
  return manager.context.childSnapshot(id)?.value;
}

describe('SetParameter', () => {
  it.each(['id', 'uuid', 'name'] as const)(
    '"will be given at least 3 parameters: id, uuid, name": start without %s fails',
    async (missing) => {
      const world = await rfcWorld();
      const manager = await world.plugin.newManager();
      const values = { id: 7, uuid: '00000000-0000-4000-8000-000000000007', name: 'vm7' };
      for (const [key, value] of Object.entries(values)) {
        if (key !== missing) await manager.setParameter(key, value);
      }
      const error = await rejection(manager.start());
      expect(error.code).toBe('OPERATION_INVALID');
      expect(error.message).toContain(`required parameter(s) not set: ${missing}`);
      expect(world.grants()).toEqual([]);
    });

  it('"should only be called prior to the supervised process being started"', async () => {
    const world = await rfcWorld();
    const manager = await world.started();
    const error = await rejection(manager.setParameter('name', 'renamed'));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(error.message).toMatch(/^setParameter: not allowed while the lock manager is in state/);
    expect(manager.params.name).toBe('vm-1');
  });

  it('"Setting parameters may change the set of argv returned by GetSupervisorArgs"', async () => {
    const world = await rfcWorld();
    const manager = await world.configured();
    const before = await manager.getSupervisorArgs();
    await manager.setParameter('name', 'renamed');
    const after = await manager.getSupervisorArgs();
    expect(before).toContain('vm-1');
    expect(after).toContain('renamed');
    expect(after).not.toEqual(before);
  });

  it('"other parameters specific to the lock manager plugin": the keys the driver declares',
    async () => {
      const driver = Object.assign(createModelDriver(), { parameters: { lease_dir: ParamType.STRING } });
      const world = await rfcWorld(driver);
      const manager = await world.configured();
      await manager.setParameter('lease_dir', '/var/lib/leases');
      expect(manager.params.plugin).toEqual({ lease_dir: '/var/lib/leases' });
      const unknown = await rejection(manager.setParameter('lease_dri', '/x'));
      expect(unknown.code).toBe('INVALID_ARG');
      expect(unknown.message).toBe("unknown parameter 'lease_dri' (known: id, uuid, name, pid, " +
        'uri, lease_dir)');
      const typed = await rejection(manager.setParameter('lease_dir', 7));
      expect(typed.code).toBe('INVALID_ARG');
      const plain = await (await rfcWorld()).configured();
      expect((await rejection(plain.setParameter('lease_dir', '/x'))).code).toBe('INVALID_ARG');
    });

  it('"Returns 0 on success, -1 on failure": resolves, or rejects with one LockError', async () => {
    const world = await rfcWorld();
    const manager = await world.plugin.newManager();
    await expect(manager.setParameter('id', 3)).resolves.toBeUndefined();
    const error = await rejection(manager.setParameter('id', -1));
    expect(error).toBeInstanceOf(LockError);
    expect(error.libvirtCode).toBe(8);
  });
});

describe('AcquireResource', () => {
  it('"may only be called once the process has been started"', async () => {
    const world = await rfcWorld();
    const manager = await world.configured();
    const error = await rejection(manager.acquireResource(DISK, A, 0));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(error.message).toContain('acquireResource');
    await manager.start();
    await manager.acquireResource(DISK, A, 0);
    expect(world.grantsOf(manager.pid).map((grant) => grant.resource)).toEqual([A]);
  });

  it('"A DISK will have a fully qualified file path"', async () => {
    const world = await rfcWorld();
    const manager = await world.started();
    const error = await rejection(manager.acquireResource(DISK, 'images/a.img', 0));
    expect(error.code).toBe('INVALID_ARG');
    expect(error.message).toContain("relative path 'images/a.img'");
    expect(world.grants()).toEqual([]);
  });

  it('"If no flags are given, the resource is assumed to be used in exclusive, read-write mode"',
    async () => {
      const world = await rfcWorld();
      const [first, second] = [await world.started(), await world.started()];
      await first.acquireResource(DISK, A, 0);
      expect(world.grantsOf(first.pid)).toMatchObject([{ resource: A, mode: 'exclusive' }]);
      // Flags 0 block until the lock is free (the seed left out the non-blocking probe).
      let acquired = false;
      const waiting = second.acquireResource(DISK, A, 0).then(() => { acquired = true; });
      await sleep(60);
      expect(acquired).toBe(false);
      expect(world.grantsOf(second.pid)).toEqual([]);
      await first.releaseResource(DISK, A, 0);
      await waiting;
      expect(world.grantsOf(second.pid)).toMatchObject([{ resource: A, mode: 'exclusive' }]);
    });

  it('"flags==0" blocks "to wait for the lock": the caller learns nothing until it is free, ' +
    'and no other call is taken meanwhile', async () => {
    const world = await rfcWorld();
    const [holder, waiter] = [await world.started(), await world.started()];
    await holder.acquireResource(DISK, A, 0);
    const waiting = waiter.acquireResource(DISK, A, 0);
    const error = await rejection(waiter.acquireResource(DISK, B, 0));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(error.message).toContain('another call on this lock manager is still in progress');
    await holder.free();
    await waiting;
    expect(world.grantsOf(waiter.pid).map((grant) => grant.resource)).toEqual([A]);
  });

  it('"Access can be relaxed to readonly": a reader coexists with the writer', async () => {
    const world = await rfcWorld();
    const [writer, reader] = [await world.started(), await world.started()];
    await writer.acquireResource(DISK, A, 0);
    await reader.acquireResource(DISK, A, ResourceFlags.READONLY);
    expect(world.grantsOf(reader.pid)).toEqual([]);
    expect(world.grantsOf(writer.pid)).toHaveLength(1);
  });

  it('"or shared read-write": shared holders coexist, but exclude a writer', async () => {
    const world = await rfcWorld();
    const [one, two] = [await world.started(), await world.started()];
    const writer = await world.started();
    await one.acquireResource(DISK, A, ResourceFlags.SHARED);
    await two.acquireResource(DISK, A, ResourceFlags.SHARED);
    expect(world.grants().map((grant) => grant.mode)).toEqual(['shared', 'shared']);
    const waiting = writer.acquireResource(DISK, A, 0);
    await sleep(40);
    expect(world.grantsOf(writer.pid)).toEqual([]);
    await one.releaseResource(DISK, A, ResourceFlags.SHARED);
    await two.releaseResource(DISK, A, ResourceFlags.SHARED);
    await waiting;
    expect(world.grantsOf(writer.pid)).toMatchObject([{ resource: A, mode: 'exclusive' }]);
  });

  it('"Does this guarantee that lock is not obtained on failure? ... leave it undefined": ' +
    'the resource statechart says unknown', async () => {
    const driver = createFailingDriver();
    const world = await rfcWorld(driver);
    const manager = await world.started();
    driver.failNext('acquire');
    expect((await rejection(manager.acquireResource(DISK, A, 0))).code).toBe('RPC');
    const [resource] = manager.snapshot.context.resources;
    expect(resource?.belief).toBe('unknown');
    expect(resourceState(manager, resource!.id)).toEqual({ unknown: 'afterAcquire' });
  });
});

describe('ReleaseResource', () => {
  it('"may only be called after the process has been started"', async () => {
    const world = await rfcWorld();
    const manager = await world.configured();
    const error = await rejection(manager.releaseResource(DISK, A, 0));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(error.message).toContain('releaseResource');
  });

  it('"Dynamically release a resource for a running process": another may then take it',
    async () => {
      const world = await rfcWorld();
      const [first, second] = [await world.started(), await world.started()];
      await first.acquireResource(DISK, A, 0);
      await first.releaseResource(DISK, A, 0);
      expect(world.grantsOf(first.pid)).toEqual([]);
      await second.acquireResource(DISK, A, 0);
      expect(world.grantsOf(second.pid)).toHaveLength(1);
    });

  it('"If no flags are given ... exclusive": the flags name the mode it was acquired in',
    async () => {
      const world = await rfcWorld();
      const manager = await world.started();
      await manager.acquireResource(DISK, A, ResourceFlags.SHARED);
      const error = await rejection(manager.releaseResource(DISK, A, 0));
      expect(error.code).toBe('INVALID_ARG');
      expect(error.message).toContain('was acquired shared, not exclusive');
      await manager.releaseResource(DISK, A, ResourceFlags.SHARED);
      expect(world.grants()).toEqual([]);
    });

  it('"If this fails, is the resource state indeterminate ... leave it undefined": ' +
    'the resource statechart says unknown', async () => {
    const driver = createFailingDriver();
    const world = await rfcWorld(driver);
    const manager = await world.started();
    await manager.acquireResource(DISK, A, 0);
    driver.failNext('release');
    expect((await rejection(manager.releaseResource(DISK, A, 0))).code).toBe('RPC');
    const [resource] = manager.snapshot.context.resources;
    expect(resource?.belief).toBe('unknown');
    expect(resourceState(manager, resource!.id)).toEqual({ unknown: 'afterRelease' });
    expect(world.grantsOf(manager.pid)).toHaveLength(1);
  });
});

describe('A supervised process that died', () => {
  it('lost its locks with it: Shutdown and Free succeed and release nothing more', async () => {
    const world = await rfcWorld();
    const manager = await world.started();
    await manager.acquireResource(DISK, A, 0);
    world.supervisor.exit(manager.pid!, 'crash');
    expect(world.grants()).toEqual([]);
    expect(manager.snapshot.context.resources.map((r) => r.belief)).toEqual(['released']);
    await manager.shutdown();
    expect(manager.snapshot.value).toBe('shutDown');
    expect(manager.snapshot.context.lastError).toBeNull();
    await manager.free();
    expect(manager.snapshot.status).toBe('done');
    expect(manager.snapshot.context.lastError).toBeNull();
  });

  it('can take no more resources: AcquireResource is refused, no lock for a dead pid', async () => {
    const world = await rfcWorld();
    const manager = await world.started();
    world.supervisor.exit(manager.pid!, 'exit');
    const error = await rejection(manager.acquireResource(DISK, A, 0));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(world.grants()).toEqual([]);
  });
});

describe('Shutdown', () => {
  it('"The intention is that all locks will be released"', async () => {
    const world = await rfcWorld();
    const manager = await world.configured();
    await manager.registerResource(DISK, A, 0);
    await manager.start();
    await manager.acquireResource(DISK, B, ResourceFlags.SHARED);
    expect(world.grantsOf(manager.pid)).toHaveLength(2);
    await manager.shutdown();
    expect(world.grants()).toEqual([]);
    expect(manager.snapshot.value).toBe('shutDown');
  });

  it('"Inform the supervisor that the process has been, or can be stopped": ' +
    'it stops nothing itself', async () => {
    const world = await rfcWorld();
    const manager = await world.started();
    await manager.shutdown();
    expect(world.supervisor.isAlive(manager.pid!)).toBe(true);
  });
});

describe('Free', () => {
  it('"If the supervised process is still running, it will be killed with prejudice"',
    async () => {
      const world = await rfcWorld();
      const manager = await world.started();
      await manager.acquireResource(DISK, A, 0);
      const pid = manager.pid!;
      await manager.free();
      expect(world.supervisor.isAlive(pid)).toBe(false);
      expect(world.grantsOf(pid)).toEqual([]);
      expect(world.driver.model.registration(world.driver.serviceState(), pid)).toBe('none');
    });

  it('"I intend that it will call virLockManagerShutdown()": free releases before it kills',
    async () => {
      // This supervisor's kills do not close the lock connection, so only a release frees A.
      const world = await rfcWorld(undefined, { killClosesConnection: false });
      const manager = await world.started();
      await manager.acquireResource(DISK, A, 0);
      await manager.free();
      expect(world.grants()).toEqual([]);
    });

  it('"If the supervised process is still running": a process that died is not killed again',
    async () => {
      const world = await rfcWorld();
      const manager = await world.started();
      const pid = manager.pid!;
      world.supervisor.exit(pid, 'crash');
      await manager.free();
      expect(manager.snapshot.status).toBe('done');
      expect(manager.snapshot.context.lastError).toBeNull();
    });

  it('"Release resources": every call after free is a typed error', async () => {
    const world = await rfcWorld();
    const manager = await world.started();
    await manager.free();
    const calls = [
      manager.setParameter('name', 'x'),
      manager.getSupervisorArgs(),
      manager.registerResource(DISK, A, 0),
      manager.start(),
      manager.acquireResource(DISK, A, 0),
      manager.releaseResource(DISK, A, 0),
      manager.shutdown(),
      manager.free(),
    ];
    for (const call of calls) {
      const error = await rejection(call);
      expect(error.code).toBe('OPERATION_INVALID');
      expect(error.message).toContain('the lock manager has been freed');
    }
  });
});
