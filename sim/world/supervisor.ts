/**
 * The RFC design's supervisors (`design.ts`): one per VM instance, holding the VM's leases
 * through one long-lived manager context — the same manager statechart the RFC face runs
 * (`api/rfc.ts`), kept in the world (`World.supervisors`) and continued call after call on the
 * memoised engine. libvirtd's lock calls become the RFC's calls on it:
 *
 * | the domain's call | the supervisor's manager |
 * |---|---|
 * | registerOwner (the child forked, paused) | new, RegisterResource per disk, `start`: registers the child, then starts the acquire it waits for |
 * | acquireLocks | the acquire `start` began, answered now; after a pause, `acquire` |
 * | releaseLocks (pause, migration) | `release` |
 * | acquireDisk / releaseDisk (hotplug) | AcquireResource (waits while busy) / ReleaseResource |
 * | inquireLocks | `inquire` |
 * | destroy's SIGKILL at the grace | Free: shutdown releases, then the child is killed with prejudice |
 * | (rfc-early-shutdown) destroy begins | Shutdown, a lock call of its own |
 *
 * The child's lock requests still name the child (the owner the service sees is the QEMU pid),
 * but the connection they were made on is the supervisor's: when the supervisor dies
 * (`supervisor-crash`) the service releases them while the child runs on.
 */
import type { EventObject } from 'xstate';
import { OPERATION_MACHINES, type CallReply } from '../../api/operation.ts';
import { errorData, toErrorData, type LockErrorData } from '../../contract/errors.ts';
import { FailureAction } from '../../contract/flags.ts';
import { allOf, selected } from '../../contract/outcomes.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import type { LockCallInput } from '../../machines/actors.ts';
import type { ActorState } from '../../machines/interned.ts';
import type { ManagerContext } from '../../machines/manager.machine.ts';
import { ActorSystem } from '../../machines/system.ts';
import { affectedMask, type Outcome } from '../steps.ts';
import { procDies, toSpec, usesOf } from './actors.ts';
import type { SimContext } from './context.ts';
import { supervised } from './design.ts';
import type { Draft } from './draft.ts';
import { callKind, effectSize, paramsOf, perform, serviceAnswer, type CallKind } from './lock-calls.ts';
import type { PendingCall, SupervisorSlot, World } from './types.ts';

/** The invoke id of the Shutdown call libvirtd makes under `rfc-early-shutdown`. */
export const SHUTDOWN_INVOKE = 'shutdown';

/** What the manager's invoked driver calls are, for the lock service. */
const KIND_OF_INVOKE: Readonly<Record<string, CallKind | 'kill'>> = {
  registerOwner: 'register',
  acquireResources: 'acquire',
  acquireResource: 'acquire',
  releaseResources: 'release',
  releaseResource: 'release',
  shutdown: 'release',
  freeRelease: 'release',
  inquireState: 'inquire',
  killProcess: 'kill',
};

type Performer = (id: string, input: LockCallInput) => CallReply;

let performer: Performer | null = null;
let awaiting: string | null = null;
let killRequested = false;

/** One actor system continues every supervisor's manager in turn (calls never nest). */
let system: ActorSystem | null = null;
function managerSystem(): ActorSystem {
  system ??= new ActorSystem(OPERATION_MACHINES.manager, {},
    { resource: OPERATION_MACHINES.resource, process: OPERATION_MACHINES.process }, {
    invoke(id, src, input, token) {
      if (src === 'killProcess') {
        killRequested = true;
        system!.settle(id, token, doneEvent(id, null));
        return;
      }
      if (!performer) {
        // A second driver call the manager starts by itself (start's acquire): it waits for
        // the lock call of libvirtd's that answers it.
        awaiting = id;
        return;
      }
      const perform = performer;
      performer = null;
      system!.settle(id, token, replyEvent(id, perform(id, input as LockCallInput)));
    },
  });
  return system;
}

export function slotIndex(world: Pick<World, 'hosts'> | Draft, vm: number, host: number): number {
  const hosts = 'hostCount' in world ? world.hostCount : world.hosts.length;
  return vm * hosts + host;
}

function slotOf(d: Draft, vm: number, host: number): SupervisorSlot | null {
  return d.supervisorsView[slotIndex(d, vm, host)] ?? null;
}

function setSlot(d: Draft, vm: number, host: number, slot: SupervisorSlot | null): void {
  const index = slotIndex(d, vm, host);
  if (d.supervisorsView[index] !== slot) d.supervisors[index] = slot;
}

/**
 * Completes a lock call of libvirtd's as the supervisor's call: on its manager context, whose
 * driver call reaches the service with the resources the manager names (an injected failure
 * lets the `outcome`'s subset take effect).
 */
export function performSupervised(ctx: SimContext, d: Draft, call: PendingCall, outcome: Outcome):
  CallReply {
  const slot = slotOf(d, call.vm, call.host);
  // libvirtd's registerOwner: the supervisor forks the child and starts a context for it.
  const fresh = call.src === 'registerOwner';
  // No supervisor (its child is gone): libvirtd's own short-lived context answers.
  if (!slot && !fresh) return perform(ctx, d, call, outcome);
  const kind = callKind(call);
  const mask = outcome.type === 'ok' ? allOf(effectSize(call)) : affectedMask(outcome.effect);
  if (slot && !slot.alive) {
    const answer: CallReply = { ok: false, error: errorData('RPC',
      `the supervisor of vm${call.vm}@h${call.host} died: no connection holds its locks`) };
    d.completed({ call, kind, mask, injected: false, answer, beliefs: [], natural: null });
    return answer;
  }
  const params = paramsOf(d.vms[call.vm]!.definition, call.vm);
  const manager = managerSystem();
  if (fresh) manager.restart({ params, failure: { acquire: ctx.failure.acquire, release: ctx.failure.release } });
  else manager.resume(slot!.manager);
  let natural: { before: unknown; after: unknown } | null = null;
  let reply: CallReply | null = null;
  // What the manager really asked the service for: its resources, which after a failed hotplug
  // may hold a disk the domain no longer lists. Checkers judge the call by these.
  let requested: readonly ResourceSpec[] | null = null;
  awaiting = slot?.awaiting ?? null;
  killRequested = false;
  performer = (_id, input) => {
    const before = d.service;
    // The manager names the resources; an injected failure's subset is over them too.
    const which = outcome.type === 'ok' ? allOf(input.resources.length) : mask;
    requested = input.resources;
    const result = serviceAnswer(ctx, d.service, call, kindOf(_id), selected(input.resources, which), which);
    d.service = result.state;
    if (outcome.type === 'fail') {
      reply = { ok: false, error: errorData('RPC', `injected ${outcome.fault}: the supervisor's ` +
        `call failed after ${mask.toString(2)} (mask) took effect`) };
    } else if (result.ok) {
      reply = { ok: true, output: result.value };
    } else {
      natural = { before, after: result.state };
      reply = { ok: false, error: result.error };
    }
    return reply;
  };
  let handled: boolean;
  try {
    if (fresh) {
      handled = call.disks.every((use) => manager.send({ type: 'resource.add', resource: toSpec(use) } as EventObject));
      handled = handled && manager.send({ type: 'start' });
    } else if (call.src === 'acquireLocks' && awaiting === 'acquireResources') {
      const id = awaiting;
      awaiting = null;
      const answer = performer(id, inputOf(manager.state));
      performer = null;
      handled = manager.send(replyEvent(id, answer));
    } else {
      handled = manager.send(eventFor(call) as EventObject);
    }
  } finally {
    performer = null;
  }
  const context = manager.state.snapshot.context as ManagerContext;
  const answer: CallReply = !handled
    ? { ok: false, error: errorData('OPERATION_INVALID', `${call.src}: the supervisor's lock ` +
      'manager refused it in its state') }
    : reply === null || (reply as CallReply).ok
      ? { ok: true, output: kind === 'release' || kind === 'inquire' ? context.lockState : null }
      : { ok: false, error: context.lastError ?? (reply as { error: LockErrorData }).error };
  const asked = requested === null ? call : { ...call, disks: usesOf(ctx, requested) };
  d.completed({ call: asked, kind, mask, injected: outcome.type === 'fail', answer,
    beliefs: context.resources.map((r) => r.belief), natural });
  setSlot(d, call.vm, call.host, manager.state.snapshot.status === 'active'
    ? { alive: true, manager: manager.state, awaiting } : null);
  if (killRequested) {
    const proc = d.proc(call.vm, call.host);
    if (proc) procDies(ctx, d, proc.pid, 'kill');
  }
  return answer;
}

/**
 * The destroy's SIGKILL at the grace, under a supervised design: libvirtd frees the supervisor's
 * context — Free shuts down (releasing what it holds) and kills the child with prejudice. True
 * when the supervisor did it (false: no live supervisor, libvirtd kills as it would).
 */
export function freeKills(ctx: SimContext, d: Draft, vm: number, host: number): boolean {
  const slot = slotOf(d, vm, host);
  const proc = d.proc(vm, host);
  if (!slot || !slot.alive || !proc) return false;
  const manager = managerSystem();
  manager.resume(slot.manager);
  awaiting = slot.awaiting;
  killRequested = false;
  performer = (id, input) => {
    const fake = { pid: proc.pid, host, disks: [], lockState: null } as unknown as PendingCall;
    const result = serviceAnswer(ctx, d.service, fake, kindOf(id), selected(input.resources, -1), -1);
    d.service = result.state;
    return result.ok ? { ok: true, output: result.value } : { ok: false, error: result.error };
  };
  try {
    manager.send({ type: 'free' });
  } finally {
    performer = null;
  }
  setSlot(d, vm, host, null);
  d.note(`the supervisor of vm${vm}@h${host} frees its context: shutdown, then kill`);
  procDies(ctx, d, proc.pid, 'kill');
  return true;
}

/** Under `rfc-early-shutdown`, libvirtd's Shutdown as destroy begins: a lock call of its own
 * (libvirtd does not wait for it). */
export function shutdownCall(ctx: SimContext, d: Draft, vm: number, host: number): void {
  const slot = slotOf(d, vm, host);
  const proc = d.proc(vm, host);
  if (ctx.design !== 'rfc-early-shutdown' || !slot || !slot.alive || !proc) return;
  const context = slot.manager.snapshot.context as ManagerContext;
  const held = context.resources.filter((r) => r.belief === 'held' || r.belief === 'unknown');
  d.pending.push({ seq: d.nextSeq++, vm, host, invoke: SHUTDOWN_INVOKE, src: 'releaseLocks',
    disks: usesOf(ctx, held.map((r) => r.spec)), lockState: null, pid: proc.pid, orphan: true });
}

/** A supervisor whose child is gone exits too (after its Shutdown and Free): its slot empties. */
export function reapSupervisors(ctx: SimContext, d: Draft): void {
  if (!supervised(ctx.design)) return;
  const slots = d.supervisorsView;
  for (let i = 0; i < slots.length; i++) {
    if (slots[i] && !d.proc(Math.floor(i / d.hostCount), i % d.hostCount)) d.supervisors[i] = null;
  }
}

/** The AcquireResource of a hotplug waits while the service would answer busy. */
export function waits(ctx: SimContext, world: Pick<World, 'supervisors' | 'service' | 'hosts'>,
  call: PendingCall): boolean {
  if (!supervised(ctx.design) || call.src !== 'acquireDisk') return false;
  const slot = world.supervisors[call.vm * world.hosts.length + call.host];
  if (!slot || !slot.alive) return false;
  const reply = ctx.model.acquire(world.service, { owner: { pid: call.pid, host: call.host },
    resources: call.disks.map(toSpec), lockState: null });
  return !reply.ok && reply.error.code === 'RESOURCE_BUSY';
}

/** The supervisor of `vm@host` died: its connection closed and the service reacts. */
export function supervisorDies(ctx: SimContext, d: Draft, vm: number, host: number): boolean {
  const slot = slotOf(d, vm, host);
  const proc = d.proc(vm, host);
  if (!slot || !slot.alive || !proc) return false;
  setSlot(d, vm, host, { ...slot, alive: false, awaiting: null });
  const gone = ctx.model.ownerGone(d.service, { pid: proc.pid, host });
  d.service = gone.state;
  d.note(`the supervisor of pid ${proc.pid} died: the daemon released ${gone.released} lock(s)` +
    (gone.kill ? ' and kills its child' : '; its child runs on'));
  if (gone.kill) procDies(ctx, d, proc.pid, 'kill');
  return true;
}

export function liveSupervisor(world: World, vm: number, host: number): boolean {
  return world.supervisors[slotIndex(world, vm, host)]?.alive === true;
}

function kindOf(id: string): CallKind {
  const kind = KIND_OF_INVOKE[id];
  if (!kind || kind === 'kill') throw new Error(`invariant: the manager invoked '${id}'`);
  return kind;
}

function eventFor(call: PendingCall) {
  switch (call.src) {
    case 'acquireLocks':
      return { type: 'acquire', lockState: call.lockState, flags: 0, action: FailureAction.DEFAULT } as const;
    case 'releaseLocks':
      return call.invoke === SHUTDOWN_INVOKE ? { type: 'shutdown' } as const
        : { type: 'release', flags: 0 } as const;
    case 'acquireDisk':
      return { type: 'resource.acquire', resource: toSpec(call.disks[0]!) } as const;
    case 'releaseDisk':
      return { type: 'resource.release', name: call.disks[0]!.path } as const;
    case 'inquireLocks':
      return { type: 'inquire', flags: 0 } as const;
    default:
      throw new Error(`invariant: no supervisor call for '${call.src}'`);
  }
}

/** The input of the acquire the manager started by itself and waits for. */
function inputOf(state: ActorState): LockCallInput {
  const context = state.snapshot.context as ManagerContext;
  const ids = new Set(context.call?.resourceIds ?? []);
  return { params: context.params, resources: context.resources.filter((r) => ids.has(r.id))
    .map((r) => r.spec), lockState: context.call?.lockState ?? null,
  flags: context.call?.flags ?? 0, action: context.call?.action ?? FailureAction.DEFAULT };
}


const events = new Map<string, { type: string }>();
function doneEvent(id: string, output: string | null) {
  const key = `d${id}\u0000${output ?? '\u0001'}`;
  let event = events.get(key);
  if (!event) {
    event = { type: `xstate.done.actor.${id}`, output: id === 'registerOwner' ||
      id.startsWith('acquireResource') ? { fd: null } : output } as { type: string };
    events.set(key, event);
  }
  return event;
}

function replyEvent(id: string, reply: CallReply) {
  if (reply.ok) return doneEvent(id, reply.output);
  const key = `e${id}\u0000${reply.error.code}\u0000${reply.error.message}`;
  let event = events.get(key);
  if (!event) {
    event = { type: `xstate.error.actor.${id}`, error: toErrorData(reply.error) } as { type: string };
    if (events.size > 10_000) events.clear();
    events.set(key, event);
  }
  return event;
}
