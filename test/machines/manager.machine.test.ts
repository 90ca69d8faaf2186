import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { AcquireFlags, ObjectType } from '../../contract/flags.ts';
import { managerMachine } from '../../machines/manager.machine.ts';
import { sent, spawned, spawnedIds, stopped } from '../helpers/actions.ts';
import { DISK_A, DISK_B, ev, initial, PARAMS, run, runningRfc } from '../helpers/manager-steps.ts';

describe('the manager machine: configuration', () => {
  it('waits in created until id, uuid and name are all set', () => {
    let snapshot = initial({ params: {} });
    expect(snapshot.value).toBe('created');
    expect(snapshot.context.objectType).toBe(ObjectType.DOMAIN);
    snapshot = run(snapshot, { type: 'parameter.set', key: 'id', value: 1 },
      { type: 'parameter.set', key: 'uuid', value: PARAMS.uuid }).snapshot;
    expect(snapshot.value).toBe('created');
    snapshot = run(snapshot, { type: 'parameter.set', key: 'name', value: 'vm1' }).snapshot;
    expect(snapshot.value).toBe('configured');
    expect(snapshot.context.params).toEqual(PARAMS);
  });

  it('is configured at once when created with every required parameter', () => {
    expect(initial().value).toBe('configured');
  });

  it('declares a resource by spawning its resource statechart with name and mode', () => {
    const { snapshot, actions } = run(initial(), ev.add(DISK_B));
    expect(snapshot.value).toBe('declared');
    expect(spawned(actions)).toEqual([{ id: 'resource.0', src: 'resource',
      input: { name: DISK_B.name, mode: 'shared' } }]);
    expect(snapshot.context.resources)
      .toEqual([{ id: 'resource.0', spec: DISK_B, belief: 'declared' }]);
  });

  it('reuses the id of a released resource, so repeated hotplug cycles revisit the same states', () => {
    const twice = run(run(initial(), ev.add(DISK_B)).snapshot, ev.add(DISK_B)).snapshot;
    expect(twice.context.resources.map((r) => r.id)).toEqual(['resource.0', 'resource.1']);
  });

  it('lets parameters change until the process starts, and no longer after', () => {
    const declared = run(initial(), ev.add()).snapshot;
    const renamed = run(declared, { type: 'parameter.set', key: 'name', value: 'vm2' }).snapshot;
    expect(renamed.context.params.name).toBe('vm2');
    const running = runningRfc();
    const rename = { type: 'parameter.set', key: 'name', value: 'x' } as const;
    const [after] = transition(managerMachine, running, rename);
    expect(after).toBe(running);
  });
});

describe('the manager machine: the RFC start-up', () => {
  it('starts the process and registers it before exec, restricted', () => {
    const { snapshot, actions } = run(initial(), ev.add(), ev.start);
    expect(snapshot.value).toBe('registering');
    expect(snapshot.context).toMatchObject({ supervises: true, processAlive: true });
    expect(sent(actions)).toEqual(['process ← process.start']);
    const register = spawned(actions).find((spawn) => spawn.id === 'registerOwner');
    expect(register?.input).toEqual({ params: PARAMS, resources: [DISK_A], lockState: null,
      flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, action: 0 });
    expect(spawnedIds(actions)).toEqual(['process', 'registerOwner']);
  });

  it('execs the process paused and acquires every declared resource', () => {
    const registering = run(initial(), ev.add(), ev.start).snapshot;
    const { snapshot, actions } = run(registering, ev.done('registerOwner', { fd: 7 }));
    expect(snapshot.value)
      .toEqual({ started: { locks: 'acquiring', hotplug: 'idle', query: 'idle' } });
    expect(snapshot.context.fd).toBe(7);
    expect(stopped(actions)).toEqual(['registerOwner']);
    expect(sent(actions)).toEqual(['process ← process.exec', 'resource.0 ← resource.acquire']);
    expect(spawned(actions)).toEqual([{ id: 'acquireResources', src: 'acquireResources',
      input: { params: PARAMS, resources: [DISK_A], lockState: null, flags: 0, action: 0 } }]);
  });

  it('lets the vCPUs run once every resource is held', () => {
    const acquiring = run(initial(), ev.add(), ev.start, ev.done('registerOwner')).snapshot;
    const { snapshot, actions } = run(acquiring, ev.done('acquireResources', { fd: null }));
    expect(snapshot.matches({ started: { locks: 'running' } })).toBe(true);
    expect(snapshot.context.resources.map((r) => r.belief)).toEqual(['held']);
    expect(sent(actions)).toEqual(['resource.0 ← resource.acquired', 'process ← process.cont']);
    expect(snapshot.context.lastError).toBeNull();
  });
});

describe('the manager machine: the libvirt face', () => {
  it('registers only, without starting or execing a process', () => {
    const declared = run(initial(), ev.add()).snapshot;
    const { snapshot: registering, actions } = run(declared, ev.registerOnly);
    expect(spawnedIds(actions)).toEqual(['registerOwner']);
    expect(spawned(actions)[0]?.input).toMatchObject({ flags: ev.registerOnly.flags });
    const { snapshot, actions: after } = run(registering, ev.done('registerOwner'));
    expect(snapshot.value)
      .toEqual({ started: { locks: 'paused', hotplug: 'idle', query: 'idle' } });
    expect(sent(after)).toEqual([]);
    expect(snapshot.context.supervises).toBe(false);
  });

  it('acquires the declared set in one call, passing the state string and action', () => {
    const declared = run(initial(), ev.add(), ev.add(DISK_B)).snapshot;
    const { snapshot, actions } = run(declared, { ...ev.acquire(0, 'saved'), action: 3 });
    expect(snapshot.matches({ started: { locks: 'acquiring' } })).toBe(true);
    expect(spawned(actions)[0]?.input).toEqual({ params: PARAMS, resources: [DISK_A, DISK_B],
      lockState: 'saved', flags: 0, action: 3 });
  });

  it('releases and keeps the state string the driver returned', () => {
    const running = runningRfc();
    const { snapshot: releasing, actions } = run(running, ev.release);
    expect(spawnedIds(actions)).toEqual(['releaseResources']);
    const { snapshot } = run(releasing, ev.done('releaseResources', 'lease-state'));
    expect(snapshot.matches({ started: { locks: 'paused' } })).toBe(true);
    expect(snapshot.context.lockState).toBe('lease-state');
    expect(snapshot.context.resources.map((r) => r.belief)).toEqual(['released']);
  });

  it('inquires alongside the locks region and records the answer', () => {
    const { snapshot: inquiring, actions } = run(runningRfc(), ev.inquire);
    expect(inquiring.matches({ started: { query: 'inquiring' } })).toBe(true);
    expect(spawnedIds(actions)).toEqual(['inquireState']);
    expect(run(inquiring, ev.done('inquireState', 'now')).snapshot.context.lockState).toBe('now');
  });

  it('frees an unsupervised object without releasing anything (drvFree releases nothing)', () => {
    const registered = run(initial(), ev.add(), ev.registerOnly, ev.done('registerOwner')).snapshot;
    const { snapshot, actions } = run(registered, ev.free);
    expect(snapshot.value).toBe('freed');
    expect(snapshot.status).toBe('done');
    expect(spawnedIds(actions)).toEqual([]);
  });
});

describe('the manager machine: hotplug', () => {
  it('attaches one new resource with a call about that resource only', () => {
    const { snapshot, actions } = run(runningRfc(), ev.hotplug());
    expect(snapshot.matches({ started: { hotplug: 'attaching', locks: 'running' } })).toBe(true);
    expect(spawned(actions).map((s) => [s.id, s.input])).toEqual([
      ['resource.1', { name: DISK_B.name, mode: 'shared' }],
      ['acquireResource',
        { params: PARAMS, resources: [DISK_B], lockState: null, flags: 0, action: 0, wait: true }],
    ]);
  });

  it('detaches by name and forgets the resource once released', () => {
    const attached = run(runningRfc(), ev.hotplug(), ev.done('acquireResource')).snapshot;
    const { snapshot: detaching, actions } = run(attached, ev.unplug(DISK_B.name));
    expect(spawned(actions)[0]?.input).toMatchObject({ resources: [DISK_B] });
    const { snapshot, actions: after } = run(detaching, ev.done('releaseResource'));
    expect(snapshot.context.resources.map((r) => r.spec.name)).toEqual([DISK_A.name]);
    expect(stopped(after)).toEqual(['releaseResource', 'resource.1']);
  });

  it('forgets only the detached resource: a boot disk a pause released is acquired again on resume', () => {
    // Found by the RFC design's runs: pause, hotplug and unplug forgot the paused boot disk, so
    // the resume acquired nothing for it and the VM ran unlocked.
    const paused = run(runningRfc(), ev.release, ev.done('releaseResources')).snapshot;
    const attached = run(paused, ev.hotplug(), ev.done('acquireResource')).snapshot;
    const { snapshot } = run(attached, ev.unplug(DISK_B.name), ev.done('releaseResource'));
    expect(snapshot.context.resources.map((r) => [r.spec.name, r.belief]))
      .toEqual([[DISK_A.name, 'released']]);
    const { actions } = run(snapshot, ev.acquire());
    expect(spawned(actions).find((s) => s.id === 'acquireResources')?.input)
      .toMatchObject({ resources: [DISK_A] });
  });

  it('refuses to detach a resource it never declared', () => {
    const running = runningRfc();
    const unplug = ev.unplug('/images/none.img') as never;
    expect(transition(managerMachine, running, unplug)[0]).toBe(running);
  });
});

describe('the manager machine: shutdown and free', () => {
  it('shuts down by releasing what it holds, then only free remains', () => {
    const { snapshot: shutting, actions } = run(runningRfc(), ev.shutdown);
    expect(shutting.value).toBe('shuttingDown');
    expect(spawned(actions)[0]?.input).toMatchObject({ resources: [DISK_A] });
    const { snapshot } = run(shutting, ev.done('shutdown'));
    expect(snapshot.value).toBe('shutDown');
    expect(snapshot.context.resources.map((r) => r.belief)).toEqual(['released']);
    expect(transition(managerMachine, snapshot, ev.acquire() as never)[0]).toBe(snapshot);
  });

  it('kills a process that still runs when freed after shutdown', () => {
    const shutDown = run(runningRfc(), ev.shutdown, ev.done('shutdown')).snapshot;
    const { snapshot: killing, actions } = run(shutDown, ev.free);
    expect(killing.value).toEqual({ freeing: 'killing' });
    expect(spawned(actions))
      .toEqual([{ id: 'killProcess', src: 'killProcess', input: { params: PARAMS } }]);
    const { snapshot, actions: after } = run(killing, ev.done('killProcess'));
    expect(snapshot.value).toBe('freed');
    expect(snapshot.context.processAlive).toBe(false);
    expect(sent(after)).toEqual(['process ← process.kill']);
  });

  it('frees a running process by releasing first, then killing it', () => {
    const { snapshot: releasing, actions } = run(runningRfc(), ev.free);
    expect(releasing.value).toEqual({ freeing: 'releasing' });
    expect(spawned(actions)[0])
      .toMatchObject({ id: 'freeRelease', input: { resources: [DISK_A] } });
    expect(run(releasing, ev.done('freeRelease')).snapshot.value).toEqual({ freeing: 'killing' });
  });

  it('does not kill a process that already died, and believes its locks gone with it', () => {
    const crashed = run(runningRfc(), ev.exited('crash'));
    expect(crashed.snapshot.context.processAlive).toBe(false);
    expect(sent(crashed.actions)).toEqual(['process ← process.crash', 'resource.0 ← resource.lost']);
    expect(crashed.snapshot.context.resources.map((r) => r.belief)).toEqual(['released']);
    const shutDown = run(crashed.snapshot, ev.shutdown, ev.done('shutdown')).snapshot;
    expect(run(shutDown, ev.free).snapshot.value).toBe('freed');
  });

  it("re-attaches (the RFC's NEW_ATTACH) to a supervisor that survived libvirtd", () => {
    const declared = run(initial(), ev.add()).snapshot;
    const { snapshot } = run(declared, { type: 'attach' });
    expect(snapshot.matches({ started: { locks: 'running' } })).toBe(true);
    expect(snapshot.context.supervises).toBe(true);
    expect(snapshot.context.resources.map((r) => r.belief)).toEqual(['held']);
  });

  it('outputs the last state string and error when freed', () => {
    const freed = run(runningRfc(), ev.release, ev.done('releaseResources', 's1'), ev.free,
      ev.done('freeRelease'), ev.done('killProcess')).snapshot;
    expect(freed.output).toEqual({ lockState: 's1', lastError: null });
  });
});
