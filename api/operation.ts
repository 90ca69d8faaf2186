/**
 * One lock operation as libvirt's `domain_lock.c` makes it — a fresh lock-manager context: new
 * (with the domain's parameters), AddResource for each disk, one call, free — run synchronously
 * on the memoised engine, with the driver call performed by the caller at once. The simulator
 * makes every lock call of the world through this, so the manager and resource statecharts, the
 * wrapper's flag checks and the manager's call-order guards run under every fault and every
 * failure outcome, and the domain statechart gets exactly what the manager answers.
 *
 * The context ends inside the operation: nothing of it survives in the caller's state, but the
 * beliefs the manager held after the call are returned (the resource statechart's *unknown*
 * states included) for checkers and timelines.
 */
import type { EventObject } from 'xstate';
import { errorData, toErrorData, type LockErrorData } from '../contract/errors.ts';
import { AcquireFlags, FailureAction } from '../contract/flags.ts';
import type { DomainParams } from '../contract/params.ts';
import type { ResourceSpec } from '../contract/resources.ts';
import { InternedMachine } from '../machines/interned.ts';
import {
  managerMachine,
  type ManagedResource,
  type ManagerContext,
  type ManagerFailure,
} from '../machines/manager.machine.ts';
import { processMachine } from '../machines/process.machine.ts';
import { resourceMachine } from '../machines/resource.machine.ts';
import { ActorSystem, type SystemRecord } from '../machines/system.ts';
import { describeState } from './rejection.ts';
import { validateAcquire, validateNoFlags } from './validate.ts';

/** The manager's named lock-call actors, which the caller performs. */
export type LockCallSrc = 'registerOwner' | 'acquireResources' | 'releaseResources' | 'inquireState';

export type OperationKind = 'register' | 'acquire' | 'release' | 'inquire';

export interface LockOperation {
  readonly kind: OperationKind;
  /** The domain's parameters (id, uuid, name; the simulator keeps pids out of its machines). */
  readonly params: DomainParams;
  /** The disks the operation is about, in declaration order. */
  readonly resources: readonly ResourceSpec[];
  /** The saved lock-state string an acquire passes on. */
  readonly lockState: string | null;
  /** What the driver declares its failures may leave behind. */
  readonly failure: ManagerFailure;
}

/** What the driver call answered: its output, or its error. */
export type CallReply =
  | { readonly ok: true; readonly output: string | null }
  | { readonly ok: false; readonly error: LockErrorData };

export interface OperationResult {
  /** What the manager answers the caller (for the domain statechart). */
  readonly answer: CallReply;
  /** What the manager believed of each resource when the call settled, in declaration order. */
  readonly beliefs: readonly ManagedResource['belief'][];
}

/** The interned machines every operation of a process steps (their memo warms up once). */
export const OPERATION_MACHINES = {
  manager: new InternedMachine('manager', managerMachine, 200_000),
  resource: new InternedMachine('resource', resourceMachine, 10_000),
  process: new InternedMachine('process', processMachine, 1_000),
};

const CHILDREN = { resource: OPERATION_MACHINES.resource, process: OPERATION_MACHINES.process };
const REGISTER_FLAGS = AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT;

/** The driver call of the operation under way, and who watches it (see `runOperation`). */
let performing: ((src: LockCallSrc) => CallReply) | null = null;
let watching: ((record: SystemRecord) => void) | null = null;
/** The invoked actor of the operation under way, once the manager invoked it. */
let invoked: { readonly id: string; readonly src: LockCallSrc } | null = null;

/**
 * One actor system serves every operation in turn (operations never nest): a context is made
 * per operation by restarting it, which allocates nothing on the simulator's hot path.
 */
let shared: ActorSystem | null = null;
function systemFor(input: object): ActorSystem {
  if (shared) {
    shared.restart(input);
    return shared;
  }
  const host = {
    invoke(id: string, src: string, _input: unknown, token: number) {
      invoked = { id, src: src as LockCallSrc };
      shared!.settle(id, token, resultEvent(id, performing!(src as LockCallSrc)));
    },
    observe(record: SystemRecord) {
      watching?.(record);
    },
  };
  shared = new ActorSystem(OPERATION_MACHINES.manager, input, CHILDREN, host);
  return shared;
}

/**
 * What an operation did the first time it ran: the driver call its manager made and, per
 * driver reply, the manager's answer and beliefs. The statecharts are deterministic, so a later
 * operation of the same kind on the same resources with the same reply ends the same way: the
 * memoised engine's exactness, one level up. (An operation the manager refused makes no call.)
 */
interface Recorded {
  readonly call: { readonly id: string; readonly src: LockCallSrc } | null;
  readonly results: Map<EventObject, OperationResult>;
}

const recorded = new WeakMap<object, WeakMap<readonly ResourceSpec[], Map<EventObject, Recorded>>>();

function recordOf(input: object, resources: readonly ResourceSpec[], event: EventObject):
  Recorded | undefined {
  return recorded.get(input)?.get(resources)?.get(event);
}

function record(input: object, resources: readonly ResourceSpec[], event: EventObject,
  entry: Recorded): void {
  let byResources = recorded.get(input);
  if (!byResources) {
    byResources = new WeakMap();
    recorded.set(input, byResources);
  }
  let byEvent = byResources.get(resources);
  if (!byEvent) {
    byEvent = new Map();
    byResources.set(resources, byEvent);
  }
  byEvent.set(event, entry);
}

/**
 * Runs `operation` on a fresh manager context; `perform` makes the driver call the manager
 * invokes (which it names by `src`) and answers at once. Unobserved operations that ran before
 * are answered from their record (`Recorded`), after the same driver call.
 */
export function runOperation(
  operation: LockOperation,
  perform: (src: LockCallSrc) => CallReply,
  observe?: (record: SystemRecord) => void,
): OperationResult {
  const input = inputFor(operation.params, operation.failure);
  const [event, name] = callOf(operation);
  if (observe) return run(operation, input, event, name, perform, observe).result;
  const known = recordOf(input, operation.resources, event);
  if (known && known.call === null) return known.results.get(NO_CALL)!;
  if (known) {
    const reply = perform(known.call!.src);
    const replyEvent = resultEvent(known.call!.id, reply);
    const hit = known.results.get(replyEvent);
    if (hit) return hit;
    const { result } = run(operation, input, event, name, () => reply);
    if (known.results.size > 1_000) known.results.clear();
    known.results.set(replyEvent, result);
    return result;
  }
  let replied: CallReply | null = null;
  const { result, call } = run(operation, input, event, name, (src) => (replied = perform(src)));
  const results = new Map<EventObject, OperationResult>();
  results.set(call && replied ? resultEvent(call.id, replied) : NO_CALL, result);
  record(input, operation.resources, event, { call, results });
  return result;
}

/** The key of the result of an operation the manager refused before any driver call. */
const NO_CALL: EventObject = { type: 'no call' };

/** Runs the operation on the shared actor system. */
function run(operation: LockOperation, input: object, event: EventObject, name: string,
  perform: (src: LockCallSrc) => CallReply, observe?: (record: SystemRecord) => void):
  { result: OperationResult; call: Recorded['call'] } {
  if (performing) throw new Error('invariant: lock operations do not nest');
  performing = perform;
  watching = observe ?? null;
  invoked = null;
  try {
    const system = systemFor(input);
    for (const resource of operation.resources) {
      if (!system.send(addEvent(resource))) return { result: rejected(system, 'addResource'), call: null };
    }
    if (!system.send(event)) return { result: rejected(system, name), call: null };
    const context = system.state.snapshot.context as ManagerContext;
    const answer: CallReply = context.lastError
      ? { ok: false, error: context.lastError }
      : okAnswer(operation.kind === 'release' || operation.kind === 'inquire'
        ? context.lockState : null);
    const beliefs = beliefsOf(context.resources);
    system.send(FREE);
    return { result: { answer, beliefs }, call: invoked };
  } finally {
    performing = null;
    watching = null;
  }
}

const OK_NULL: CallReply = { ok: true, output: null };
function okAnswer(output: string | null): CallReply {
  return output === null ? OK_NULL : { ok: true, output };
}

const beliefLists = new WeakMap<readonly ManagedResource[], readonly ManagedResource['belief'][]>();
/** The beliefs of an interned context's resources, one list object per resources list. */
function beliefsOf(resources: readonly ManagedResource[]): readonly ManagedResource['belief'][] {
  let beliefs = beliefLists.get(resources);
  if (!beliefs) {
    beliefs = resources.map((resource) => resource.belief);
    beliefLists.set(resources, beliefs);
  }
  return beliefs;
}

/** The call event the wrapper would send, after the wrapper's own argument checks. */
function callOf(operation: LockOperation): [EventObject, string] {
  switch (operation.kind) {
    case 'register':
      validateAcquire(null, REGISTER_FLAGS, FailureAction.DEFAULT);
      return [acquireEvent(null, REGISTER_FLAGS), 'acquire'];
    case 'acquire':
      validateAcquire(operation.lockState, 0, FailureAction.DEFAULT);
      return [acquireEvent(operation.lockState, 0), 'acquire'];
    case 'release':
      validateNoFlags(0, 'virLockManagerRelease');
      return [RELEASE, 'release'];
    case 'inquire':
      validateNoFlags(0, 'virLockManagerInquire');
      return [INQUIRE, 'inquire'];
  }
}

/** A call the manager refused in its state: the answer is the wrapper's OPERATION_INVALID. */
function rejected(system: ActorSystem, operation: string): OperationResult {
  const context = system.state.snapshot.context as ManagerContext;
  const answer: CallReply = { ok: false, error: errorData('OPERATION_INVALID',
    `${operation}: not allowed while the lock manager is in state ${describeState(system.state.snapshot)}`) };
  const beliefs = beliefsOf(context.resources);
  system.send(FREE);
  return { answer, beliefs };
}

// Canonical event and input objects: the memoised engine keys an event by object once, so the
// same event must be the same object every time.

const FREE: EventObject = { type: 'free' };
const RELEASE: EventObject = { type: 'release', flags: 0 } as EventObject;
const INQUIRE: EventObject = { type: 'inquire', flags: 0 } as EventObject;
const ACQUIRED: EventObject = { type: 'xstate.done.actor.acquireResources', output: { fd: null } } as EventObject;

const acquireEvents = new Map<string, EventObject>();
function acquireEvent(lockState: string | null, flags: number): EventObject {
  const key = `${flags}\u0000${lockState ?? '\u0001'}`;
  let event = acquireEvents.get(key);
  if (!event) {
    event = { type: 'acquire', lockState, flags, action: FailureAction.DEFAULT } as EventObject;
    if (acquireEvents.size > 10_000) acquireEvents.clear();
    acquireEvents.set(key, event);
  }
  return event;
}

const addEvents = new WeakMap<ResourceSpec, EventObject>();
/** Per resource object: callers that pass one object per resource pay one lookup. */
function addEvent(resource: ResourceSpec): EventObject {
  let event = addEvents.get(resource);
  if (!event) {
    event = { type: 'resource.add', resource } as EventObject;
    addEvents.set(resource, event);
  }
  return event;
}

const resultEvents = new Map<string, EventObject>();
const nullResults = new Map<string, EventObject>();
function resultEvent(id: string, reply: CallReply): EventObject {
  if (reply.ok && id === 'acquireResources') return ACQUIRED;
  if (reply.ok && reply.output === null) {
    let event = nullResults.get(id);
    if (!event) {
      event = { type: `xstate.done.actor.${id}`,
        output: id === 'registerOwner' ? { fd: null } : null } as EventObject;
      nullResults.set(id, event);
    }
    return event;
  }
  const key = reply.ok ? `d${id}\u0000${reply.output ?? '\u0001'}`
    : `e${id}\u0000${reply.error.code}\u0000${reply.error.message}`;
  let event = resultEvents.get(key);
  if (!event) {
    event = (reply.ok
      ? { type: `xstate.done.actor.${id}`, output: id === 'registerOwner' ? { fd: null } : reply.output }
      : { type: `xstate.error.actor.${id}`, error: toErrorData(reply.error) }) as unknown as EventObject;
    if (resultEvents.size > 100_000) resultEvents.clear();
    resultEvents.set(key, event);
  }
  return event;
}

const inputs = new WeakMap<DomainParams, Map<string, object>>();
/** The failure object asked with last and its key: callers keep one failure object per run. */
let lastFailure: ManagerFailure | null = null;
let lastFailureKey = '';

/** One input object per params object and failure sets: callers keep their params objects. */
function inputFor(params: DomainParams, failure: ManagerFailure): object {
  let byFailure = inputs.get(params);
  if (!byFailure) {
    byFailure = new Map();
    inputs.set(params, byFailure);
  }
  if (failure !== lastFailure) {
    lastFailureKey = `${failure.acquire}/${failure.release}`;
    lastFailure = failure;
  }
  const key = lastFailureKey;
  let input = byFailure.get(key);
  if (!input) {
    input = { params, failure: { acquire: failure.acquire, release: failure.release } };
    byFailure.set(key, input);
  }
  return input;
}
