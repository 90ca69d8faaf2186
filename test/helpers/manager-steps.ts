/** Pure stepping of the manager machine for tests: named events, invoke results, one scope. */
import { initialTransition, transition, type AnyEventObject, type SnapshotFrom } from 'xstate';
import { AcquireFlags, FailureAction } from '../../contract/flags.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { managerMachine, type ManagerInput } from '../../machines/manager.machine.ts';
import { DRIVER_FAILURE, UUID } from './alphabets.ts';

export type ManagerSnapshot = SnapshotFrom<typeof managerMachine>;
export type Actions = ReturnType<typeof transition<typeof managerMachine>>[1];

export const PARAMS = { id: 1, uuid: UUID, name: 'vm1' } as const;
export const DISK_A: ResourceSpec = { kind: 'disk', name: '/images/a.img', mode: 'exclusive' };
export const DISK_B: ResourceSpec = { kind: 'disk', name: '/images/b.img', mode: 'shared' };

export const ev = {
  add: (resource: ResourceSpec = DISK_A) => ({ type: 'resource.add', resource }),
  start: { type: 'start' },
  acquire: (flags = 0, lockState: string | null = null) =>
    ({ type: 'acquire', lockState, flags, action: FailureAction.DEFAULT }),
  registerOnly: { type: 'acquire', lockState: null,
    flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, action: FailureAction.DEFAULT },
  release: { type: 'release', flags: 0 },
  inquire: { type: 'inquire', flags: 0 },
  hotplug: (resource: ResourceSpec = DISK_B) => ({ type: 'resource.acquire', resource }),
  unplug: (name: string) => ({ type: 'resource.release', name }),
  shutdown: { type: 'shutdown' },
  free: { type: 'free' },
  exited: (how: 'exit' | 'crash' | 'kill') => ({ type: 'process.exited', how }),
  done: (id: string, output: unknown = null) => ({ type: `xstate.done.actor.${id}`, output }),
  fail: (id: string, error = DRIVER_FAILURE) => ({ type: `xstate.error.actor.${id}`, error }),
} as const;

export function initial(input: ManagerInput = { params: PARAMS }): ManagerSnapshot {
  return initialTransition(managerMachine, input)[0];
}

/** Steps every event; returns the last snapshot and the actions of the last step. */
export function run(from: ManagerSnapshot, ...events: AnyEventObject[]) {
  let snapshot = from;
  let actions: Actions = [];
  for (const event of events) {
    [snapshot, actions] = transition(managerMachine, snapshot, event as never);
  }
  return { snapshot, actions };
}

/** An RFC manager whose process runs with disk A held. */
export function runningRfc(): ManagerSnapshot {
  return run(initial(), ev.add(), ev.start, ev.done('registerOwner', { fd: null }),
    ev.done('acquireResources', { fd: null })).snapshot;
}

/** An RFC manager with disk A held and disk B hotplugged. */
export function hotpluggedRfc(): ManagerSnapshot {
  return run(runningRfc(), ev.hotplug(), ev.done('acquireResource', { fd: null })).snapshot;
}
