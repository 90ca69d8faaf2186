/**
 * One lock-manager context: created → configured (parameters) → resources declared → started
 * (owner registered, supervised process running) → active (acquire/release; paused ⇄ running)
 * → shut down → freed.
 *
 * Both API faces drive this machine. The RFC face sets parameters one by one, starts the
 * supervised process, acquires and releases single resources while it runs, shuts down and frees
 * (killing a process that still runs). The libvirt face passes all parameters to `new`, declares
 * resources, then makes one call (register-only acquire, acquire, release, inquire) and frees.
 *
 * Driver calls are invoked named actors (`machines/actors.ts`); one call is in flight at a time,
 * as libvirt's domain job lock guarantees. An event with no enabled transition leaves the snapshot
 * unchanged, and hosts reject such calls with a typed OPERATION_INVALID error.
 */
import { and, assign, enqueueActions, or, setup, stateIn } from 'xstate';
import { toErrorData, type LockErrorData } from '../contract/errors.ts';
import { isDomainParamKey } from '../contract/params.ts';
import { AcquireFlags, FailureAction, ObjectType } from '../contract/flags.ts';
import type { FailureOutcomeSet } from '../contract/outcomes.ts';
import type { DomainParamKey, DomainParams, ParamValue } from '../contract/params.ts';
import type { ResourceSpec } from '../contract/resources.ts';
import { unprovided, type AcquireOutput, type LockCallInput, type LockStateOutput } from './actors.ts';
import {
  afterFailure,
  freeResourceId,
  hasRequiredParams,
  heldOrUnknown,
  resourceIds,
  withBelief,
} from './logic/manager.ts';
import { processMachine } from './process.machine.ts';
import { resourceMachine } from './resource.machine.ts';

/** The manager's bookkeeping of one resource: its child actor id and what it believes. */
export interface ManagedResource {
  readonly id: string;
  readonly spec: ResourceSpec;
  readonly belief: 'declared' | 'held' | 'released' | 'unknown';
}

/** The driver call in flight (or last made): what it is about. */
export interface ManagerCall {
  readonly resourceIds: readonly string[];
  readonly lockState: string | null;
  readonly flags: number;
  readonly action: number;
}

/** What the driver declares a failed call may have affected (its `failure` outcome sets). */
export interface ManagerFailure {
  readonly acquire: FailureOutcomeSet;
  readonly release: FailureOutcomeSet;
}

export interface ManagerContext {
  readonly objectType: number;
  readonly params: DomainParams;
  /** The driver's declared failure outcomes: which beliefs a failed call makes unknown. */
  readonly failure: ManagerFailure;
  readonly resources: readonly ManagedResource[];
  /** RFC supervision: this manager started the process and kills it on free. */
  readonly supervises: boolean;
  readonly processAlive: boolean;
  readonly call: ManagerCall | null;
  readonly lockState: string | null;
  /** The descriptor the last acquire leaked into the process, if the driver returned one. */
  readonly fd: number | null;
  readonly lastError: LockErrorData | null;
}

export interface ManagerInput {
  readonly objectType?: number;
  readonly params?: DomainParams;
  /** Default: anything may have happened (`any-subset`), as the seed leaves it. */
  readonly failure?: ManagerFailure;
}

/** The seed's own position: a failed call is undefined, so any resource may have been affected. */
export const UNDEFINED_FAILURE: ManagerFailure = { acquire: 'any-subset', release: 'any-subset' };

export type ManagerEvent =
  | { type: 'parameter.set'; key: DomainParamKey | string; value: ParamValue }
  | { type: 'resource.add'; resource: ResourceSpec }
  | { type: 'start' }
  | { type: 'acquire'; lockState: string | null; flags: number; action: number }
  | { type: 'release'; flags: number }
  | { type: 'inquire'; flags: number }
  | { type: 'resource.acquire'; resource: ResourceSpec }
  | { type: 'resource.release'; name: string }
  | { type: 'shutdown' }
  | { type: 'free' }
  | { type: 'process.exited'; how: 'exit' | 'crash' | 'kill' }
  /** The RFC's NEW_ATTACH: libvirtd re-attaches to a supervisor that survived it, holding all. */
  | { type: 'attach' };

export interface ManagerOutput {
  readonly lockState: string | null;
  readonly lastError: LockErrorData | null;
}

type CallArgs = { context: ManagerContext; event: ManagerEvent };

const NO_CALL: ManagerCall = { resourceIds: [], lockState: null, flags: 0, action: 0 };

function callInput(context: ManagerContext): LockCallInput {
  const call = context.call ?? NO_CALL;
  const wanted = new Set(call.resourceIds);
  return {
    params: context.params,
    resources: context.resources.filter((r) => wanted.has(r.id)).map((r) => r.spec),
    lockState: call.lockState,
    flags: call.flags,
    action: call.action,
  };
}

/**
 * What a call's outcome does to the resources it was about: tell their statecharts, note it. A
 * failure makes unknown exactly the resources some admissible outcome of the driver's declared
 * set affects (`contract/outcomes.ts`); the others are restored to what they were.
 */
const ACQUIRED = { type: 'settleResources', params: { event: 'resource.acquired', belief: 'held' } } as const;
const ACQUIRE_FAILED = { type: 'settleFailure', params: { call: 'acquire', event: 'resource.acquireFailed' } } as const;
const RELEASED = {
  type: 'settleResources', params: { event: 'resource.released', belief: 'released' },
} as const;
const RELEASE_FAILED = { type: 'settleFailure', params: { call: 'release', event: 'resource.releaseFailed' } } as const;
const ACQUIRING = { type: 'tellResources', params: { type: 'resource.acquire' } } as const;
const RELEASING = { type: 'tellResources', params: { type: 'resource.release' } } as const;

const inputOf = ({ context }: { context: ManagerContext }) => callInput(context);

const errorOf = ({ event }: { event: unknown }): LockErrorData =>
  toErrorData((event as { error: LockErrorData }).error);

export const managerMachine = setup({
  types: {} as {
    context: ManagerContext;
    input: ManagerInput;
    events: ManagerEvent;
    output: ManagerOutput;
  },
  actors: {
    resource: resourceMachine,
    process: processMachine,
    registerOwner: unprovided<LockCallInput, AcquireOutput>('registerOwner'),
    acquireResources: unprovided<LockCallInput, AcquireOutput>('acquireResources'),
    releaseResources: unprovided<LockCallInput, LockStateOutput>('releaseResources'),
    inquireState: unprovided<LockCallInput, LockStateOutput>('inquireState'),
    killProcess: unprovided<{ params: DomainParams }, void>('killProcess'),
  },
  guards: {
    hasRequiredParameters: ({ context }) => hasRequiredParams(context.params),
    isRegisterOnly: ({ event }) =>
      event.type === 'acquire' && (event.flags & AcquireFlags.REGISTER_ONLY) !== 0,
    isAcquireNotRegister: ({ event }) =>
      event.type === 'acquire' && (event.flags & AcquireFlags.REGISTER_ONLY) === 0,
    supervises: ({ context }) => context.supervises,
    mustKill: ({ context }) => context.supervises && context.processAlive,
    isDeclared: ({ context, event }) =>
      event.type === 'resource.release' &&
      context.resources.some((r) => r.spec.name === event.name && r.belief !== 'released'),
    hotplugIdle: stateIn('#manager.started.hotplug.idle'),
    /** A supervised process that died can take no more resources (its owner is gone). */
    processLives: ({ context }) => !context.supervises || context.processAlive,
    locksSettled: or([stateIn('#manager.started.locks.paused'), stateIn('#manager.started.locks.running')]),
  },
  actions: {
    setParameter: assign({
      params: ({ context, event }) => (event.type !== 'parameter.set' ? context.params
        : isDomainParamKey(event.key) ? { ...context.params, [event.key]: event.value }
          : { ...context.params, plugin: { ...context.params.plugin, [event.key]: event.value } }),
    }),
    declareResource: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'resource.add' && event.type !== 'resource.acquire') return;
      const id = freeResourceId(context.resources);
      enqueue.spawnChild('resource', { id, input: { name: event.resource.name, mode: event.resource.mode } });
      enqueue.assign({
        resources: [...context.resources, { id, spec: event.resource, belief: 'declared' as const }],
        call: event.type === 'resource.acquire'
          ? { ...NO_CALL, resourceIds: [id], action: FailureAction.DEFAULT } : context.call,
      });
    }),
    callAll: assign({
      call: ({ context, event }: CallArgs) => ({
        resourceIds: resourceIds(context.resources),
        lockState: event.type === 'acquire' ? event.lockState : null,
        flags: event.type === 'acquire' ? event.flags : 0,
        action: event.type === 'acquire' ? event.action : FailureAction.DEFAULT,
      }),
    }),
    callHeld: assign({
      call: ({ context }: CallArgs) => ({ ...NO_CALL, resourceIds: heldOrUnknown(context.resources) }),
    }),
    callNamed: assign({
      call: ({ context, event }: CallArgs) => ({
        ...NO_CALL,
        resourceIds: context.resources
          .filter((r) => event.type === 'resource.release' && r.spec.name === event.name && r.belief !== 'released')
          .slice(0, 1).map((r) => r.id),
      }),
    }),
    tellResources: enqueueActions(({ context, enqueue }, params: { type: string }) => {
      for (const id of context.call?.resourceIds ?? []) enqueue.sendTo(id, { type: params.type });
    }),
    settleResources: enqueueActions(({ context, enqueue },
      params: { event: string; belief: ManagedResource['belief'] }) => {
      const ids = context.call?.resourceIds ?? [];
      for (const id of ids) enqueue.sendTo(id, { type: params.event });
      enqueue.assign({ resources: withBelief(context.resources, ids, params.belief) });
    }),
    settleFailure: enqueueActions(({ context, enqueue },
      params: { call: 'acquire' | 'release'; event: string }) => {
      const ids = context.call?.resourceIds ?? [];
      const { unknown, unaffected } = afterFailure(context.resources, ids, context.failure[params.call]);
      for (const id of unknown) enqueue.sendTo(id, { type: params.event });
      for (const resource of unaffected) {
        enqueue.sendTo(resource.id, { type: 'resource.restore', belief: resource.belief });
      }
      enqueue.assign({ resources: withBelief(context.resources, unknown, 'unknown') });
    }),
    forgetReleased: enqueueActions(({ context, enqueue }) => {
      // Only what this ReleaseResource released: resources a whole-set release (a pause) let go
      // are still the VM's, and the next acquire must take them again.
      const detached = new Set(context.call?.resourceIds ?? []);
      const gone = (r: ManagedResource) => r.belief === 'released' && detached.has(r.id);
      for (const r of context.resources) if (gone(r)) enqueue.stopChild(r.id);
      enqueue.assign({ resources: context.resources.filter((r) => !gone(r)) });
    }),
    recordError: assign({ lastError: errorOf }),
    clearError: assign({ lastError: null }),
    recordState: assign({ lockState: ({ event }) => (event as { output?: string | null }).output ?? null }),
    recordFd: assign({ fd: ({ event }) => (event as { output?: AcquireOutput }).output?.fd ?? null }),
    startProcess: enqueueActions(({ enqueue }) => {
      enqueue.spawnChild('process', { id: 'process' });
      enqueue.sendTo('process', { type: 'process.start' });
      enqueue.assign({ supervises: true, processAlive: true });
    }),
    execProcess: enqueueActions(({ context, enqueue }) => {
      if (context.supervises) enqueue.sendTo('process', { type: 'process.exec' });
    }),
    contProcess: enqueueActions(({ context, enqueue }) => {
      if (context.supervises && context.processAlive) enqueue.sendTo('process', { type: 'process.cont' });
    }),
    processGone: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'process.exited') return;
      if (!context.supervises || !context.processAlive) return;
      enqueue.sendTo('process', { type: `process.${event.how}` });
      // Its connection closed with it, and the lock service released what it held (the
      // contract: a lock ends with a release or when its process exits).
      const lost = heldOrUnknown(context.resources);
      for (const id of lost) enqueue.sendTo(id, { type: 'resource.lost' });
      enqueue.assign({ processAlive: false,
        resources: withBelief(context.resources, lost, 'released') });
    }),
    attached: enqueueActions(({ context, enqueue }) => {
      // The supervised process lives on, running: libvirtd picks it up where it was.
      enqueue.spawnChild('process', { id: 'process' });
      for (const type of ['process.start', 'process.exec', 'process.cont']) {
        enqueue.sendTo('process', { type });
      }
      for (const r of context.resources) {
        enqueue.sendTo(r.id, { type: 'resource.acquire' });
        enqueue.sendTo(r.id, { type: 'resource.acquired' });
      }
      enqueue.assign({ supervises: true, processAlive: true,
        resources: withBelief(context.resources, resourceIds(context.resources), 'held') });
    }),
    processKilled: enqueueActions(({ enqueue }) => {
      enqueue.sendTo('process', { type: 'process.kill' });
      enqueue.assign({ processAlive: false });
    }),
  },
}).createMachine({
  id: 'manager',
  context: ({ input }) => ({
    objectType: input.objectType ?? ObjectType.DOMAIN,
    params: input.params ?? {},
    failure: input.failure ?? UNDEFINED_FAILURE,
    resources: [],
    supervises: false,
    processAlive: false,
    call: null,
    lockState: null,
    fd: null,
    lastError: null,
  }),
  initial: 'created',
  on: { 'process.exited': { actions: 'processGone' } },
  states: {
    created: {
      description: 'parameters missing: id, uuid and name are required',
      always: { guard: 'hasRequiredParameters', target: 'configured' },
      on: {
        'parameter.set': { actions: 'setParameter' },
        free: 'freed',
      },
    },
    configured: {
      description: 'parameters set; resources may be declared; nothing started yet',
      on: {
        'parameter.set': { actions: 'setParameter' },
        'resource.add': { target: 'declared', actions: 'declareResource' },
        start: { target: 'registering', actions: ['callAll', 'startProcess'] },
        acquire: [
          { guard: 'isRegisterOnly', target: 'registering', actions: 'callAll' },
          { target: '#manager.started.locks.acquiring', actions: 'callAll' },
        ],
        release: { target: '#manager.started.locks.releasing', actions: 'callAll' },
        inquire: { target: '#manager.started.query.inquiring', actions: 'callAll' },
        attach: { target: '#manager.started.locks.running', actions: 'attached' },
        free: 'freed',
      },
    },
    declared: {
      description: 'resources declared; only now may the owner register and acquire',
      on: {
        'parameter.set': { actions: 'setParameter' },
        'resource.add': { actions: 'declareResource' },
        start: { target: 'registering', actions: ['callAll', 'startProcess'] },
        acquire: [
          { guard: 'isRegisterOnly', target: 'registering', actions: 'callAll' },
          { target: '#manager.started.locks.acquiring', actions: 'callAll' },
        ],
        release: { target: '#manager.started.locks.releasing', actions: 'callAll' },
        inquire: { target: '#manager.started.query.inquiring', actions: 'callAll' },
        attach: { target: '#manager.started.locks.running', actions: 'attached' },
        free: 'freed',
      },
    },
    registering: {
      description: 'the owner registers its own connection (the child, before exec)',
      invoke: {
        id: 'registerOwner',
        src: 'registerOwner',
        input: ({ context }) => ({ ...callInput(context), flags: context.supervises
          ? AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT : context.call?.flags ?? 0 }),
        onDone: [
          { guard: 'supervises', target: '#manager.started.locks.acquiring',
            actions: ['clearError', 'recordFd', 'execProcess'] },
          { target: 'started', actions: ['clearError', 'recordFd'] },
        ],
        onError: { target: 'declared', actions: 'recordError' },
      },
    },
    started: {
      type: 'parallel',
      description: 'the owner is registered: locks may be acquired and released',
      on: {
        shutdown: { target: 'shuttingDown', actions: 'callHeld' },
        free: [{ guard: 'supervises', target: 'freeing', actions: 'callHeld' }, { target: 'freed' }],
      },
      states: {
        locks: {
          initial: 'paused',
          states: {
            paused: {
              description: 'the declared set is not held: vCPUs must not run',
              on: {
                acquire: { guard: and(['isAcquireNotRegister', 'hotplugIdle']), target: 'acquiring', actions: 'callAll' },
                release: { guard: 'hotplugIdle', target: 'releasing', actions: 'callAll' },
              },
            },
            acquiring: {
              entry: ACQUIRING,
              invoke: {
                id: 'acquireResources',
                src: 'acquireResources',
                input: inputOf,
                onDone: {
                  target: 'running',
                  actions: [ACQUIRED, 'clearError', 'recordFd', 'contProcess'],
                },
                onError: {
                  target: 'paused',
                  actions: [ACQUIRE_FAILED, 'recordError'],
                },
              },
            },
            running: {
              description: 'the declared set is held: vCPUs may run',
              on: {
                release: { guard: 'hotplugIdle', target: 'releasing', actions: 'callAll' },
                acquire: { guard: and(['isAcquireNotRegister', 'hotplugIdle']), target: 'acquiring', actions: 'callAll' },
              },
            },
            releasing: {
              entry: RELEASING,
              invoke: {
                id: 'releaseResources',
                src: 'releaseResources',
                input: inputOf,
                onDone: {
                  target: 'paused',
                  actions: [RELEASED, 'recordState', 'clearError'],
                },
                onError: {
                  target: 'paused',
                  actions: [RELEASE_FAILED, 'recordError'],
                },
              },
            },
          },
        },
        hotplug: {
          initial: 'idle',
          states: {
            idle: {
              on: {
                'resource.acquire': { guard: and(['locksSettled', 'processLives']), target: 'attaching',
                  actions: 'declareResource' },
                'resource.release': { guard: and(['isDeclared', 'locksSettled']), target: 'detaching', actions: 'callNamed' },
              },
            },
            attaching: {
              entry: ACQUIRING,
              invoke: {
                id: 'acquireResource',
                src: 'acquireResources',
                input: ({ context }) => ({ ...callInput(context), wait: true }),
                onDone: {
                  target: 'idle',
                  actions: [ACQUIRED, 'clearError'],
                },
                onError: {
                  target: 'idle',
                  actions: [ACQUIRE_FAILED, 'recordError'],
                },
              },
            },
            detaching: {
              entry: RELEASING,
              invoke: {
                id: 'releaseResource',
                src: 'releaseResources',
                input: inputOf,
                onDone: {
                  target: 'idle',
                  actions: [RELEASED, 'forgetReleased', 'clearError'],
                },
                onError: {
                  target: 'idle',
                  actions: [RELEASE_FAILED, 'recordError'],
                },
              },
            },
          },
        },
        query: {
          initial: 'idle',
          states: {
            idle: { on: { inquire: { target: 'inquiring', actions: 'callAll' } } },
            inquiring: {
              invoke: {
                id: 'inquireState',
                src: 'inquireState',
                input: inputOf,
                onDone: { target: 'idle', actions: ['recordState', 'clearError'] },
                onError: { target: 'idle', actions: 'recordError' },
              },
            },
          },
        },
      },
    },
    shuttingDown: {
      description: 'the process has been, or can be, stopped: release everything held',
      entry: RELEASING,
      invoke: {
        id: 'shutdown',
        src: 'releaseResources',
        input: inputOf,
        onDone: {
          target: 'shutDown',
          actions: [RELEASED, 'recordState', 'clearError'],
        },
        onError: {
          target: 'shutDown',
          actions: [RELEASE_FAILED, 'recordError'],
        },
      },
    },
    shutDown: {
      description: 'locks released (as far as the driver could); only free remains',
      on: { free: [{ guard: 'mustKill', target: 'freeing.killing' }, { target: 'freed' }] },
    },
    freeing: {
      description: 'free: shut down first, then kill a process that still runs',
      initial: 'releasing',
      states: {
        releasing: {
          entry: RELEASING,
          invoke: {
            id: 'freeRelease',
            src: 'releaseResources',
            input: inputOf,
            onDone: [
              { guard: 'mustKill', target: 'killing', actions: RELEASED },
              { target: '#manager.freed', actions: RELEASED },
            ],
            onError: [
              { guard: 'mustKill', target: 'killing', actions: [RELEASE_FAILED, 'recordError'] },
              { target: '#manager.freed', actions: [RELEASE_FAILED, 'recordError'] },
            ],
          },
        },
        killing: {
          description: 'the supervised process still runs: kill it with prejudice',
          invoke: {
            id: 'killProcess',
            src: 'killProcess',
            input: ({ context }) => ({ params: context.params }),
            onDone: { target: '#manager.freed', actions: 'processKilled' },
            onError: { target: '#manager.freed', actions: 'recordError' },
          },
        },
      },
    },
    freed: {
      type: 'final',
      description: 'the context is gone; every later call is an error',
    },
  },
  output: ({ context }) => ({ lockState: context.lockState, lastError: context.lastError }),
});

export type ManagerMachine = typeof managerMachine;
