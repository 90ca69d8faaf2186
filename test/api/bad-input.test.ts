/**
 * Bad input on both faces: each is a typed LockError with the right code and a message that
 * says what was wrong, before any driver sees the call.
 */
import { describe, expect, it } from 'vitest';
import { LockManagerPlugin } from '../../api/plugin.ts';
import { identity } from '../../contract/identity.ts';
import {
  AcquireFlags, FailureAction, NewFlags, ObjectType, ParamType, ResourceFlags, ResourceType,
} from '../../contract/flags.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import { toParamList, type LockParam } from '../../contract/params.ts';
import { recording } from '../helpers/recording-driver.ts';
import { rfcWorld } from '../helpers/rfc-world.ts';
import { failure } from '../helpers/lock-error.ts';

const { DISK, LEASE } = ResourceType;
const A = '/var/lib/libvirt/images/a.img';
const PARAMS = toParamList({ ...identity(7), pid: 7 });


async function libvirt() {
  const driver = recording(createModelDriver());
  const plugin = await LockManagerPlugin.load(driver);
  const man = await plugin.new(ObjectType.DOMAIN, PARAMS, 0);
  return { driver, plugin, man };
}

const withParam = (param: LockParam) =>
  [...PARAMS.filter((p) => p.key !== param.key), param];

describe('bad parameters', () => {
  it.each([
    ['an unknown key', 'colour', 'red',
      "unknown parameter 'colour' (known: id, uuid, name, pid, uri)"],
    ['a string id', 'id', '1',
      "parameter 'id' must be an unsigned 32-bit integer, got the string '1'"],
    ['a numeric name', 'name', 5, "parameter 'name' must be a string, got number 5"],
    ['a bad UUID', 'uuid', 'not-a-uuid', "parameter 'uuid' is not a valid UUID: 'not-a-uuid'"],
    ['id 0', 'id', 0, "parameter 'id' must be non-zero"],
    ['a negative id', 'id', -1, "parameter 'id' must be an unsigned 32-bit integer, got number -1"],
    ['an empty name', 'name', '', "parameter 'name' must not be empty"],
    ['a pid (set by start)', 'pid', 9, "parameter 'pid' is set by start(), not by the caller"],
  ])('setParameter refuses %s', async (_what, key, value, message) => {
    const world = await rfcWorld();
    const manager = await world.plugin.newManager();
    const error = await failure(() => manager.setParameter(key, value as never));
    expect(error.code).toBe('INVALID_ARG');
    expect(error.message).toBe(message);
    expect(error.operation).toBe('setParameter');
    expect(manager.params).toEqual({});
  });

  it.each([
    ['an unknown key', { type: ParamType.STRING, key: 'colour', value: 'red' },
      "unknown parameter 'colour'"],
    ['a string id', { type: ParamType.UINT, key: 'id', value: '7' },
      "'id' must be an unsigned 32-bit"],
    ['id 0', { type: ParamType.UINT, key: 'id', value: 0 }, "'id' must be non-zero"],
    ['a bad UUID', { type: ParamType.UUID, key: 'uuid', value: '1234' }, 'not a valid UUID'],
    ['a mistyped uuid', { type: ParamType.STRING, key: 'uuid', value: identity(7).uuid },
      "parameter 'uuid' must have type 7, got number 0"],
  ])('new refuses %s', async (_what, param, message) => {
    const { driver, plugin } = await libvirt();
    const created = driver.calls.length;
    const list = withParam(param as LockParam);
    const error = await failure(() => plugin.new(ObjectType.DOMAIN, list, 0));
    expect(error.code).toBe('INVALID_ARG');
    expect(error.message).toContain(message);
    expect(driver.calls.length).toBe(created);
  });

  it('new refuses a parameter given twice, missing required ones, and a non-list', async () => {
    const { plugin } = await libvirt();
    const twice = [...PARAMS, PARAMS[0]!];
    expect((await failure(() => plugin.new(ObjectType.DOMAIN, twice, 0))).message)
      .toMatch(/^parameter '\w+' given twice$/);
    const nameless = PARAMS.filter((p) => p.key !== 'name');
    expect((await failure(() => plugin.new(ObjectType.DOMAIN, nameless, 0))).message)
      .toBe('missing required parameter(s): name');
    expect((await failure(() => plugin.new(ObjectType.DOMAIN, {} as never, 0))).message)
      .toBe('params must be an array of {type, key, value}');
  });
});

describe('bad resource names', () => {
  it.each([
    ['a relative disk path', 'images/a.img',
      "disk path must be fully qualified, got relative path 'images/a.img'"],
    ['an empty disk path', '', "resource name must be a non-empty string, got the string ''"],
    ['a NUL byte', '/images/a\0b.img', 'resource name must not contain NUL bytes'],
  ])('the RFC face refuses %s', async (_what, name, message) => {
    const world = await rfcWorld();
    const manager = await world.started();
    for (const call of [() => manager.acquireResource(DISK, name, 0),
      () => manager.releaseResource(DISK, name, 0)]) {
      const error = await failure(call);
      expect(error.code).toBe('INVALID_ARG');
      expect(error.message).toBe(message);
    }
    const configured = await world.configured();
    expect((await failure(() => configured.registerResource(DISK, name, 0))).message).toBe(message);
    expect(world.grants()).toEqual([]);
  });

  it('the libvirt face refuses a relative path before the driver sees it', async () => {
    const { driver, plugin, man } = await libvirt();
    const error = await failure(() => plugin.addResource(man, DISK, 'a.img', [], 0));
    expect(error.code).toBe('INVALID_ARG');
    expect(error.message).toContain("relative path 'a.img'");
    expect(driver.calls.some((call) => call.method === 'addResource')).toBe(false);
  });

  it('refuses READONLY and SHARED together', async () => {
    const { plugin, man } = await libvirt();
    const error = await failure(() => plugin.addResource(man, DISK, A, [],
      ResourceFlags.READONLY | ResourceFlags.SHARED));
    expect(error.code).toBe('INVALID_ARG');
    expect(error.message).toBe('READONLY and SHARED cannot be combined');
  });

  it('refuses an unknown resource type and malformed lease parameters', async () => {
    const { plugin, man } = await libvirt();
    expect((await failure(() => plugin.addResource(man, 7, A, [], 0))).message)
      .toBe('unknown resource type number 7');
    expect((await failure(() => plugin.addResource(man, LEASE, 'k', { path: 'rel', offset: 0 }, 0)))
      .message).toBe("lease parameter 'path' must be an absolute path, got the string 'rel'");
    expect((await failure(() => plugin.addResource(man, LEASE, 'k', { path: '/l', offset: -1 }, 0)))
      .message).toBe("lease parameter 'offset' must be a non-negative integer, got number -1");
    expect((await failure(() => plugin.addResource(man, LEASE, 'k', [], 0))).message)
      .toBe("lease parameter 'path' must be an absolute path, got nothing");
  });
});

describe('unknown flag bits', () => {
  it('are refused by every libvirt call, naming the bits and the function', async () => {
    const { plugin, man } = await libvirt();
    const cases: [() => Promise<unknown>, string][] = [
      [() => plugin.new(ObjectType.DOMAIN, PARAMS, NewFlags.NEW_STARTED | 4),
        'unsupported flags (0x4) in function virLockManagerNew'],
      [() => plugin.addResource(man, DISK, A, [], 8),
        'unsupported flags (0x8) in function addResource'],
      [() => plugin.acquire(man, null, AcquireFlags.RESTRICT | 16, 0),
        'unsupported flags (0x10) in function virLockManagerAcquire'],
      [() => plugin.release(man, 1), 'unsupported flags (0x1) in function virLockManagerRelease'],
      [() => plugin.inquire(man, 2), 'unsupported flags (0x2) in function virLockManagerInquire'],
      [() => plugin.release(man, -1),
        'flags must be a non-negative integer in function virLockManagerRelease'],
    ];
    for (const [call, message] of cases) {
      const error = await failure(call);
      expect(error.code).toBe('INVALID_ARG');
      expect(error.message).toBe(message);
    }
    expect(man.snapshot.value).toBe('configured');
  });

  it('are refused by the RFC calls', async () => {
    const world = await rfcWorld();
    expect((await failure(() => world.plugin.newManager(0, 1))).message)
      .toBe('unsupported flags (0x1) in function virLockManagerNew');
    const manager = await world.started();
    expect((await failure(() => manager.acquireResource(DISK, A, 4))).message)
      .toBe('unsupported flags (0x4) in function acquireResource');
    expect((await failure(() => manager.releaseResource(DISK, A, 4))).message)
      .toBe('unsupported flags (0x4) in function releaseResource');
  });
});

describe('unknown enumerations', () => {
  it('refuses an unknown object type on both faces', async () => {
    const { plugin } = await libvirt();
    const error = await failure(() => plugin.new(1, PARAMS, 0));
    expect(error.code).toBe('INVALID_ARG');
    expect(error.message).toBe('unknown lock manager object type 1');
    const world = await rfcWorld();
    expect((await failure(() => world.plugin.newManager(3))).message)
      .toBe('unknown lock manager type 3');
  });

  it('refuses an unknown failure action and a state that is not a string', async () => {
    const { plugin, man } = await libvirt();
    const action = await failure(() => plugin.acquire(man, null, 0, 9));
    expect(action.code).toBe('INVALID_ARG');
    expect(action.message).toBe('unknown lock failure action 9');
    const state = await failure(() => plugin.acquire(man, 5 as never, 0, FailureAction.DEFAULT));
    expect(state.message).toBe('state must be a string or null');
  });
});

describe('calls on dead objects', () => {
  it('refuses every call on a freed libvirt object', async () => {
    const { plugin, man } = await libvirt();
    await plugin.free(man);
    const calls: (() => Promise<unknown>)[] = [
      () => plugin.addResource(man, DISK, A, [], 0),
      () => plugin.acquire(man, null, 0, 0),
      () => plugin.release(man, 0),
      () => plugin.inquire(man, 0),
      () => plugin.free(man),
    ];
    for (const call of calls) {
      const error = await failure(call);
      expect(error.code).toBe('OPERATION_INVALID');
      expect(error.message).toMatch(/^\w+: the lock manager has been freed$/);
    }
  });

  it('refuses new objects and a second deinit after deinit', async () => {
    const { plugin } = await libvirt();
    await plugin.deinit();
    for (const [call, message] of [
      [() => plugin.new(ObjectType.DOMAIN, PARAMS, 0), 'new: the plugin has been deinitialised'],
      [() => plugin.deinit(), 'deinit: the plugin has been deinitialised'],
    ] as const) {
      const error = await failure(call);
      expect(error.code).toBe('OPERATION_INVALID');
      expect(error.message).toBe(message);
    }
  });

  it('fails a call on an object that outlived deinit, because the driver is gone', async () => {
    const { plugin, man } = await libvirt();
    await plugin.addResource(man, DISK, A, [], 0);
    await plugin.deinit();
    const error = await failure(() => plugin.acquire(man, null, 0, 0));
    expect(error.code).toBe('OPERATION_INVALID');
    expect(error.message).toBe("driver 'model' is not initialised (call init first)");
  });
});
