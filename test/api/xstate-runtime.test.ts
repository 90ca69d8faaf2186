/**
 * The faces run the manager statechart on lockchart's memoised engine (`api/host.ts`), but the
 * machine stays a plain XState machine: provided with the same driver-calling actors, XState's
 * own actor runtime runs it to the same states, with the same effects on the driver.
 */
import { createActor, waitFor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { driverActors, freshObjects } from '../../api/bind.ts';
import { ManagedContext } from '../../api/context.ts';
import { LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { managerMachine, type ManagerEvent } from '../../machines/manager.machine.ts';

const params = { id: 1, uuid: '00000000-0000-4000-8000-000000000001', name: 'vm1', pid: 4242 };
const disk = (name: string, mode: ResourceSpec['mode'] = 'exclusive'): ResourceSpec =>
  ({ kind: 'disk', name, mode });

const CALLS: readonly ManagerEvent[] = [
  { type: 'resource.add', resource: disk('/images/a.img') },
  { type: 'resource.add', resource: disk('/images/b.img', 'shared') },
  { type: 'acquire', lockState: null, flags: 0, action: 0 },
  { type: 'resource.acquire', resource: disk('/images/hot.img') },
  { type: 'resource.release', name: '/images/hot.img' },
  { type: 'release', flags: 0 },
  { type: 'acquire', lockState: null, flags: 0, action: 0 },
  { type: 'free' },
];

/** Where a driver call is in flight: XState's runtime settles out of these. */
const BUSY = [
  'registering', { started: { locks: 'acquiring' } }, { started: { locks: 'releasing' } },
  { started: { hotplug: 'attaching' } }, { started: { hotplug: 'detaching' } },
  { started: { query: 'inquiring' } }, 'shuttingDown', 'freeing',
];

async function modelDriver() {
  const driver = createModelDriver();
  await driver.init(LOCK_MANAGER_VERSION, {}, 0);
  return driver;
}

describe('the manager statechart under XState\'s own runtime', () => {
  it('reaches the states the memoised host reaches, and leaves the driver alike', async () => {
    const viaXState = await modelDriver();
    const actor = createActor(managerMachine.provide({
      actors: driverActors(viaXState, freshObjects(viaXState)),
    }), { input: { params } }).start();
    const viaHost = await modelDriver();
    const host = new ManagedContext({ driver: viaHost, objects: freshObjects(viaHost), input: { params } });
    const trail: string[] = [];
    for (const event of CALLS) {
      actor.send(event);
      const settled = await waitFor(actor, (s) => s.status === 'done' ||
        !BUSY.some((state) => s.matches(state as never)));
      await host.call(event, event.type);
      expect(settled.value).toEqual(host.snapshot.value);
      expect(settled.context.resources).toEqual(host.snapshot.context.resources);
      expect(viaXState.model.encode(viaXState.serviceState()))
        .toBe(viaHost.model.encode(viaHost.serviceState()));
      trail.push(JSON.stringify(settled.value));
    }
    expect(actor.getSnapshot().status).toBe('done');
    expect(new Set(trail).size).toBeGreaterThan(3);
  });
});
