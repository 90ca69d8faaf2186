/**
 * Representative events for walking each catalogued machine: every external event with a few
 * payloads that take different guards, and every invoke result and delay the machine waits for.
 * Payload values are kept few on purpose, so that the walk stays small and finite.
 */
import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { AcquireFlags, FailureAction } from '../../contract/flags.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { machineEvents, type CatalogEntry } from '../../machines/catalog.ts';
import type { ManagerContext } from '../../machines/manager.machine.ts';
import { stableKey } from './stable-key.ts';
import type { WalkSpec } from './walk.ts';

export const UUID = '00000000-0000-4000-8000-000000000001';
export const DRIVER_FAILURE = { code: 'RESOURCE_BUSY', message: 'resource busy (injected)' };

const disk = (name: string, mode: ResourceSpec['mode']): ResourceSpec =>
  ({ kind: 'disk', name, mode });

/** Invoke completions, invoke failures and delays: what a host would feed back. */
export function internalEvents(machine: AnyStateMachine): AnyEventObject[] {
  return machineEvents(machine).filter((type) => type.startsWith('xstate.')).map((type) => {
    if (type.startsWith('xstate.done.actor.')) return { type, output: null };
    if (type.startsWith('xstate.error.actor.')) return { type, error: DRIVER_FAILURE };
    return { type };
  });
}

const MANAGER_EVENTS: AnyEventObject[] = [
  { type: 'parameter.set', key: 'id', value: 1 },
  { type: 'parameter.set', key: 'uuid', value: UUID },
  { type: 'parameter.set', key: 'name', value: 'vm1' },
  { type: 'resource.add', resource: disk('/images/a.img', 'exclusive') },
  { type: 'start' },
  { type: 'acquire', lockState: null, flags: 0, action: FailureAction.DEFAULT },
  { type: 'acquire', lockState: null, flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT,
    action: FailureAction.DEFAULT },
  { type: 'release', flags: 0 },
  { type: 'inquire', flags: 0 },
  { type: 'resource.acquire', resource: disk('/images/b.img', 'shared') },
  { type: 'resource.release', name: '/images/a.img' },
  { type: 'resource.release', name: '/images/b.img' },
  { type: 'shutdown' },
  { type: 'free' },
  { type: 'process.exited', how: 'crash' },
  { type: 'attach' },
];

/** The manager's context without its id counters: configurations equal up to renaming. */
function managerKey(snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as ManagerContext;
  const ids = context.resources.map((resource) => resource.id);
  return stableKey([snapshot.value, {
    ...context,
    nextResourceId: 0,
    resources: context.resources.map((resource) => [resource.spec, resource.belief]),
    call: context.call && { ...context.call,
      resourceIds: context.call.resourceIds.map((id) => ids.indexOf(id)) },
  }]);
}

const DOMAIN_EVENTS: AnyEventObject[] = [
  { type: 'domain.start' },
  { type: 'domain.pause' },
  { type: 'domain.resume' },
  { type: 'domain.destroy' },
  { type: 'domain.attach', disk: disk('/images/b.img', 'exclusive') },
  { type: 'domain.attach', disk: disk('/images/a.img', 'exclusive') },
  { type: 'domain.detach', name: '/images/a.img' },
  { type: 'domain.detach', name: '/images/unknown.img' },
  { type: 'migrate.begin' },
  { type: 'migrate.perform' },
  { type: 'migrate.confirm', success: true },
  { type: 'migrate.confirm', success: false },
  { type: 'migrate.prepare', lockState: 'cookie' },
  { type: 'migrate.finish' },
  { type: 'migrate.cancel' },
  { type: 'qemu.stop' },
  { type: 'qemu.resume' },
  { type: 'qemu.exit' },
];

const RESOURCE_EVENTS: AnyEventObject[] = [
  { type: 'resource.acquire' },
  { type: 'resource.acquired' },
  { type: 'resource.acquireFailed' },
  { type: 'resource.release' },
  { type: 'resource.released' },
  { type: 'resource.releaseFailed' },
  { type: 'resource.resolve', held: true },
  { type: 'resource.resolve', held: false },
  ...(['declared', 'held', 'released', 'unknown'] as const)
    .map((belief) => ({ type: 'resource.restore', belief })),
  { type: 'resource.lost' },
];

const PROCESS_EVENTS: AnyEventObject[] = ['start', 'exec', 'cont', 'stop', 'exit', 'crash', 'kill']
  .map((verb) => ({ type: `process.${verb}` }));

const valueAndContext = (snapshot: AnyMachineSnapshot): string =>
  stableKey([snapshot.value, snapshot.context ?? null]);

/** External events with payloads, the inputs to start from, and how to key configurations. */
export function walkSpec(entry: CatalogEntry): WalkSpec & { external: readonly AnyEventObject[] } {
  const internal = internalEvents(entry.machine);
  const spec = (external: AnyEventObject[], rest: Omit<WalkSpec, 'events'>) =>
    ({ ...rest, external, events: [...external, ...internal] });
  switch (entry.name) {
    case 'manager':
      // One declared resource plus one hotplugged is enough to reach every state; more only
      // multiplies the beliefs.
      return spec(MANAGER_EVENTS, {
        inputs: [entry.exampleInput],
        key: managerKey,
        explore: (snapshot) => (snapshot.context as ManagerContext).resources.length <= 1,
      });
    case 'domain':
      return spec(DOMAIN_EVENTS, {
        inputs: [entry.exampleInput, { disks: [], reconnect: 'running' },
          { disks: [], reconnect: 'paused' }],
        key: valueAndContext,
      });
    case 'resource':
      return spec(RESOURCE_EVENTS, {
        inputs: (['exclusive', 'shared', 'readonly'] as const)
          .map((mode) => ({ name: '/images/a.img', mode })),
        key: valueAndContext,
      });
    case 'process':
      return spec(PROCESS_EVENTS, { inputs: [entry.exampleInput], key: valueAndContext });
  }
}
