/**
 * The final libvirt face (api/plugin.ts): the `virLockManager*` calls in the order libvirt's
 * QEMU driver makes them, with libvirt's own flag values, over the `model` driver.
 */
import { describe, expect, it } from 'vitest';
import { assertDriver, LockManagerPlugin } from '../../api/plugin.ts';
import { identity } from '../../contract/identity.ts';
import { DRIVER_METHODS } from '../../contract/driver.ts';
import { isLockError } from '../../contract/errors.ts';
import {
  AcquireFlags, DriverFlags, FailureAction, LOCK_MANAGER_VERSION, NewFlags, ObjectType, ParamType,
  ResourceFlags, ResourceType,
} from '../../contract/flags.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import { toParamList } from '../../contract/params.ts';
import { recording } from '../helpers/recording-driver.ts';
import { failure } from '../helpers/lock-error.ts';

const PID = 4242;
const params = (pid = PID) => toParamList({ ...identity(pid), pid });
const A = '/var/lib/libvirt/images/a.img';
const B = '/var/lib/libvirt/images/b.img';

async function loaded(options: { stateStrings?: boolean } = {}) {
  const model = createModelDriver();
  const driver = recording(model, options);
  const plugin = await LockManagerPlugin.load(driver);
  const grants = () => model.model.grants(model.serviceState());
  return { model, driver, plugin, grants };
}


describe('the libvirt face: plugin lifecycle', () => {
  it('initialises the driver with the ABI version and configuration', async () => {
    const driver = recording(createModelDriver());
    const config = { file_lockspace_dir: '/var/lib/libvirt/lockd' };
    await LockManagerPlugin.load(driver, { config });
    expect(driver.calls[0]).toEqual({ method: 'init',
      args: [LOCK_MANAGER_VERSION, { file_lockspace_dir: '/var/lib/libvirt/lockd' }, 0] });
  });

  it('is refused by a driver implementing another ABI major version', async () => {
    const error = await failure(createModelDriver().init(2_000_000, {}, 0));
    expect(error.code).toBe('CONFIG_UNSUPPORTED');
    expect(error.message).toContain('ABI version 2000000');
  });

  it('deinitialises the driver, after which no object can be made', async () => {
    const { driver, plugin } = await loaded();
    await plugin.deinit();
    expect(driver.calls.at(-1)?.method).toBe('deinit');
    const error = await failure(plugin.new(ObjectType.DOMAIN, params(), 0));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(error.message).toBe('new: the plugin has been deinitialised');
  });
});

describe('the libvirt face: objects', () => {
  it('makes an object from typed parameters with NEW_STARTED, as the child does', async () => {
    const { driver, plugin } = await loaded();
    const man = await plugin.new(ObjectType.DOMAIN, params(), NewFlags.NEW_STARTED);
    expect(man.snapshot.value).toBe('configured');
    expect(driver.calls.at(-1)).toMatchObject({ method: 'create',
      args: [{ type: ObjectType.DOMAIN, params: { ...identity(PID), pid: PID }, flags: 1 }] });
  });

  it('declares disks and leases with READONLY and SHARED', async () => {
    const { driver, plugin } = await loaded();
    const man = await plugin.new(ObjectType.DOMAIN, params(), 0);
    await plugin.addResource(man, ResourceType.DISK, A, [], ResourceFlags.READONLY);
    await plugin.addResource(man, ResourceType.DISK, B, [], ResourceFlags.SHARED);
    await plugin.addResource(man, ResourceType.LEASE, 'key1', [
      { type: ParamType.STRING, key: 'path', value: '/var/lib/libvirt/sanlock' },
      { type: ParamType.ULONG, key: 'offset', value: 0 },
      { type: ParamType.STRING, key: 'lockspace', value: 'space' },
    ], 0);
    expect(man.snapshot.context.resources.map((r) => r.spec)).toEqual([
      { kind: 'disk', name: A, mode: 'readonly' },
      { kind: 'disk', name: B, mode: 'shared' },
      { kind: 'lease', name: 'key1', mode: 'exclusive',
        lease: { path: '/var/lib/libvirt/sanlock', offset: 0, lockspace: 'space' } },
    ]);
    expect(driver.calls.filter((c) => c.method === 'addResource')).toHaveLength(3);
  });

  it("passes on the driver's refusal of a lease it cannot map", async () => {
    const { plugin } = await loaded();
    const man = await plugin.new(ObjectType.DOMAIN, params(), 0);
    const error = await failure(plugin.addResource(man, ResourceType.LEASE, 'k',
      { path: '/leases', offset: 512 }, 0));
    expect(error.code).toBe('CONFIG_UNSUPPORTED');
    expect(error.message).toContain('Offset must be zero');
  });

  it('refuses addResource once the object was used for an acquire', async () => {
    const { plugin } = await loaded();
    const man = await plugin.new(ObjectType.DOMAIN, params(), 0);
    await plugin.addResource(man, ResourceType.DISK, A, [], 0);
    await plugin.acquire(man, null, AcquireFlags.REGISTER_ONLY, FailureAction.DEFAULT);
    const error = await failure(plugin.addResource(man, ResourceType.DISK, B, [], 0));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(error.message).toContain('addResource: not allowed');
  });
});

describe('the libvirt face: acquire, release, inquire', () => {
  it('registers only and restricts in the child, taking no lock', async () => {
    const { model, plugin, grants } = await loaded();
    const man = await plugin.new(ObjectType.DOMAIN, params(), NewFlags.NEW_STARTED);
    await plugin.addResource(man, ResourceType.DISK, A, [], 0);
    await plugin.acquire(man, null, AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT,
      FailureAction.DEFAULT);
    await plugin.free(man);
    expect(grants()).toEqual([]);
    expect(model.model.registration(model.serviceState(), PID)).toBe('restricted');
  });

  it('acquires in libvirtd on behalf of the pid, handing the failure action to the driver',
    async () => {
      const { driver, plugin, grants } = await loaded();
      const man = await plugin.new(ObjectType.DOMAIN, params(), 0);
      await plugin.addResource(man, ResourceType.DISK, A, [], 0);
      const result = await plugin.acquire(man, null, 0, FailureAction.PAUSE);
      expect(result).toEqual({ fd: null });
      expect(driver.acquires()).toEqual([{ state: null, flags: 0, action: FailureAction.PAUSE }]);
      expect(grants()).toMatchObject([{ resource: A, owner: PID, mode: 'exclusive' }]);
    });

  it('returns the state string of release and inquire, and hands it to a later acquire',
    async () => {
      const { driver, plugin } = await loaded({ stateStrings: true });
      const man = await plugin.new(ObjectType.DOMAIN, params(), 0);
      await plugin.addResource(man, ResourceType.DISK, A, [], 0);
      await plugin.acquire(man, null, 0, FailureAction.DEFAULT);
      expect(await plugin.inquire(man, 0)).toBe('lease-state:0');
      const saved = await plugin.release(man, 0);
      expect(saved).toBe('lease-state:1');
      await plugin.free(man);
      const again = await plugin.new(ObjectType.DOMAIN, params(), 0);
      await plugin.addResource(again, ResourceType.DISK, A, [], 0);
      await plugin.acquire(again, saved, 0, FailureAction.DEFAULT);
      expect(driver.acquires().at(-1)?.state).toBe('lease-state:1');
    });

  it('returns null state strings for the model driver, which keeps none', async () => {
    const { plugin, grants } = await loaded();
    const man = await plugin.new(ObjectType.DOMAIN, params(), 0);
    await plugin.addResource(man, ResourceType.DISK, A, [], 0);
    await plugin.acquire(man, null, 0, FailureAction.DEFAULT);
    expect(await plugin.inquire(man, 0)).toBeNull();
    expect(await plugin.release(man, 0)).toBeNull();
    expect(grants()).toEqual([]);
  });

  it('frees the object without releasing anything, like drvFree', async () => {
    const { driver, plugin, grants } = await loaded();
    const man = await plugin.new(ObjectType.DOMAIN, params(), 0);
    await plugin.addResource(man, ResourceType.DISK, A, [], 0);
    await plugin.acquire(man, null, 0, FailureAction.DEFAULT);
    await plugin.free(man);
    expect(driver.calls.at(-1)?.method).toBe('free');
    expect(man.snapshot.status).toBe('done');
    expect(grants()).toHaveLength(1);
  });
});

describe("the libvirt face: libvirt's numbers", () => {
  it('uses the flag and enum values of lock_driver.h', () => {
    expect(LOCK_MANAGER_VERSION).toBe(1_000_000);
    expect(DriverFlags).toEqual({ USES_STATE: 1 });
    expect(ObjectType).toEqual({ DOMAIN: 0 });
    expect(NewFlags).toEqual({ NEW_STARTED: 1 });
    expect(ResourceType).toEqual({ DISK: 0, LEASE: 1 });
    expect(ResourceFlags).toEqual({ READONLY: 1, SHARED: 2 });
    expect(AcquireFlags).toEqual({ REGISTER_ONLY: 1, RESTRICT: 2 });
    expect(FailureAction).toEqual({ DEFAULT: 0, POWEROFF: 1, RESTART: 2, PAUSE: 3, IGNORE: 4 });
    expect(ParamType).toEqual({ STRING: 0, CSTRING: 1, INT: 2, LONG: 3, UINT: 4, ULONG: 5,
      DOUBLE: 6, UUID: 7 });
  });
});

describe('the driver table check (assertDriver)', () => {
  it.each(DRIVER_METHODS)("rejects a table missing '%s' with one line naming it", (field) => {
    const table: Record<string, unknown> = { ...createModelDriver() };
    delete table[field];
    let thrown: unknown;
    try {
      assertDriver(table, 'plugin');
    } catch (error) {
      thrown = error;
    }
    expect(isLockError(thrown) && thrown.code).toBe('INTERNAL_ERROR');
    expect((thrown as Error).message).toBe(`plugin is not a lock driver: missing '${field}' field`);
  });

  it('rejects a table that does not declare its admissible failure outcomes', () => {
    const { failure: _dropped, ...table } = createModelDriver();
    expect(() => assertDriver(table)).toThrow(/missing 'failure'/);
  });

  it('rejects something that is not an object, and refuses to load it', async () => {
    expect(() => assertDriver(null)).toThrow('driver is not a lock driver: expected an object');
    await expect(LockManagerPlugin.load({ name: 'half' })).rejects.toThrow("missing 'init' field");
  });

  it('accepts the built-in drivers', () => {
    expect(() => assertDriver(createModelDriver())).not.toThrow();
  });
});
