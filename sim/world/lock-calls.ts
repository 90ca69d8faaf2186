/**
 * Completing a lock call in flight: the call is one lock operation as libvirt makes it — a fresh
 * manager context (`api/operation.ts`) whose invoked driver call reaches the lock service (the
 * driver's pure model) atomically — and the manager's answer goes back to the domain that
 * invoked it, unless the domain has moved on (an orphaned call still takes effect; libvirtd just
 * drops the answer).
 *
 * Failures are choice points. An injected failure names which of the call's resources took
 * effect before it failed; only the subsets the driver's declared outcome set admits are ever
 * chosen (`contract/outcomes.ts`). A failure the service returns on its own is recorded with what
 * it actually affected, for the failure-contract checker.
 */
import { runOperation, type CallReply, type OperationKind } from '../../api/operation.ts';
import { errorData, type LockErrorData } from '../../contract/errors.ts';
import { admissibleSubsets, allOf, selected, type FailureOutcomeSet } from '../../contract/outcomes.ts';
import type { DomainParams } from '../../contract/params.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import type { ServiceReply } from '../../contract/service.ts';
import type { ManagedResource } from '../../machines/manager.machine.ts';
import { affectedForm, affectedMask, type AffectedResources, type Outcome, type OutcomeFault } from '../steps.ts';
import { commandProc, notifyDomain, toSpec } from './actors.ts';
import { doneEvent, errorEvent } from './events.ts';
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import { memo } from './memo.ts';
import { supervised } from './design.ts';
import { performSupervised } from './supervisor.ts';
import { listId, memoCall } from './service-memo.ts';
import type { DiskUse, PendingCall, VmDefinition } from './types.ts';

export type CallKind = OperationKind;

const KIND_OF_SRC: Readonly<Record<string, CallKind>> = {
  registerOwner: 'register',
  acquireLocks: 'acquire',
  acquireDisk: 'acquire',
  releaseLocks: 'release',
  releaseDisk: 'release',
  inquireLocks: 'inquire',
};

export function callKind(call: PendingCall): CallKind {
  const kind = KIND_OF_SRC[call.src];
  if (!kind) throw new Error(`invariant: unknown lock call actor '${call.src}'`);
  return kind;
}

/** The number of resources a call's outcome ranges over (registration counts as one). */
export function effectSize(call: PendingCall): number {
  return callKind(call) === 'register' ? 1 : call.disks.length;
}

/** A lock call that completed in a step: what checkers and timelines may read of it. */
export interface CompletedCall {
  readonly call: PendingCall;
  readonly kind: CallKind;
  /** Which of its resources the call was let take effect (all, unless a failure was injected). */
  readonly mask: number;
  /** An outcome fault failed it (rather than the service's own answer). */
  readonly injected: boolean;
  /** What the manager answered libvirtd. */
  readonly answer: CallReply;
  /** What the manager believed of each resource when the call settled. */
  readonly beliefs: readonly ManagedResource['belief'][];
  /**
   * For a failure the service returned on its own (no failure injected): the service state
   * before and after the call, for checkers to judge what it actually did. Null otherwise.
   */
  readonly natural: { readonly before: unknown; readonly after: unknown } | null;
}

const outcomeForms = new Map<string, readonly AffectedResources[]>();

/** The failing outcomes a fault class offers for a call, within what the driver admits. */
export function failureOutcomes(ctx: SimContext, call: PendingCall, fault: OutcomeFault):
  readonly AffectedResources[] {
  const kind = callKind(call);
  if (fault === 'release-fails') {
    return kind === 'release' ? formsOf(ctx.failure.release, effectSize(call), fault) : [];
  }
  if (kind !== 'acquire' && kind !== 'register') return [];
  return formsOf(ctx.failure.acquire, effectSize(call), fault);
}

/** The admissible subsets a fault class stands for, in their written form (memoised). */
function formsOf(set: FailureOutcomeSet, n: number, fault: OutcomeFault): readonly AffectedResources[] {
  return memo(outcomeForms, `${set}/${n}/${fault}`, () => {
    const all = allOf(n);
    const wanted = fault === 'release-fails' ? () => true
      : fault === 'acquire-fails' ? (mask: number) => mask === 0 || mask === all
        : (mask: number) => mask !== 0 && mask !== all;
    return admissibleSubsets(set, n).filter(wanted).map(affectedForm);
  });
}

/** Whether an injected failure's effect is one the fault class offers for the call. */
export function isOfferedOutcome(ctx: SimContext, call: PendingCall, fault: OutcomeFault,
  effect: AffectedResources): boolean {
  const mask = affectedMask(effect);
  return failureOutcomes(ctx, call, fault).some((form) => affectedMask(form) === mask);
}

/** The index of the oldest pending call of `invoke` for vm@host, or -1. */
export function findCall(pending: readonly PendingCall[], vm: number, host: number, invoke: string):
  number {
  return pending.findIndex((call) => call.vm === vm && call.host === host && call.invoke === invoke);
}

/** Whether `pending[index]` is the oldest call of its kind for its VM and host: later ones queue
 * behind it, so only it can complete. */
export function oldestOfItsKind(pending: readonly PendingCall[], index: number): boolean {
  const call = pending[index]!;
  for (let i = 0; i < index; i++) {
    const other = pending[i]!;
    if (other.vm === call.vm && other.host === call.host && other.invoke === call.invoke) return false;
  }
  return true;
}

/** In-flight calls served by a host's daemon (libvirtd's and its children's), oldest first. */
export function callsOn(pending: readonly PendingCall[], host: number): PendingCall[] {
  return pending.filter((call) => call.host === host);
}

/** A call in flight fails without reaching the service (the connection died, the reply was
 * lost): it leaves the world, and libvirtd gets the error unless it stopped waiting. */
export function failInFlight(d: Draft, call: PendingCall, code: 'RPC' | 'OPERATION_TIMEOUT',
  message: string): void {
  d.pending = d.pending.filter((other) => other !== call);
  if (!call.orphan) {
    notifyDomain(d, call.vm, call.host, errorEvent(call.invoke, errorData(code, message)));
  }
}

/** Completes the oldest pending call of `invoke` for vm@host; false if there is none. */
export function completeCall(
  ctx: SimContext,
  d: Draft,
  vm: number,
  host: number,
  invoke: string,
  outcome: Outcome,
): boolean {
  const at = findCall(d.pending, vm, host, invoke);
  if (at < 0) return false;
  const call = d.pending[at]!;
  d.pending.splice(at, 1);
  if (outcome.type === 'fail') d.faults += 1;
  const answer = supervised(ctx.design) ? performSupervised(ctx, d, call, outcome)
    : perform(ctx, d, call, outcome);
  if (callKind(call) === 'register' && answer.ok) {
    const proc = d.procByPid(call.pid);
    if (proc) commandProc(d, proc, 'process.exec');
  }
  if (call.orphan) {
    d.note(`${call.src} of vm${vm}@h${host} completed after libvirtd stopped waiting`);
    return true;
  }
  notifyDomain(d, vm, host, answer.ok
    ? doneEvent(call.invoke, answer.output) : errorEvent(call.invoke, answer.error));
  return true;
}

/**
 * Makes a call as one lock operation: a fresh manager context whose driver call applies the
 * call (or, for an injected failure, the subset that took effect) to the lock service.
 */
export function perform(ctx: SimContext, d: Draft, call: PendingCall, outcome: Outcome): CallReply {
  const kind = callKind(call);
  const mask = outcome.type === 'ok' ? allOf(effectSize(call)) : affectedMask(outcome.effect);
  let natural: { before: unknown; reply: ServiceReply<unknown, string | null> } | null = null;
  const { answer, beliefs } = runOperation({
    kind,
    params: paramsOf(d.vms[call.vm]!.definition, call.vm),
    resources: specsOf(call.disks),
    lockState: call.lockState,
    failure: ctx.failure,
  }, () => {
    const before = d.service;
    const reply = apply(ctx, d, call, kind, mask);
    if (outcome.type === 'fail') {
      return { ok: false, error: injected(outcome.fault, mask, effectSize(call)) };
    }
    if (reply.ok) return { ok: true, output: reply.value };
    natural = { before, reply };
    return { ok: false, error: reply.error };
  });
  const failed = natural as { before: unknown; reply: ServiceReply<unknown, string | null> } | null;
  d.completed({ call, kind, mask, injected: outcome.type === 'fail', answer, beliefs,
    natural: failed ? { before: failed.before, after: failed.reply.state } : null });
  return answer;
}

function apply(ctx: SimContext, d: Draft, call: PendingCall, kind: CallKind, mask: number) {
  const reply = ctx.revisits ? memoCall(ctx, d.service,
    `${kind}\u0000${call.pid}\u0000${call.host}\u0000${mask}\u0000` +
    `${listId(call.disks)}\u0000${call.lockState ?? '\u0001'}`,
    () => callService(ctx, d.service, call, kind, mask)) : callService(ctx, d.service, call, kind, mask);
  d.service = reply.state;
  return reply;
}

/** The model's answer to a call on the disks `mask` selects (registration is bit 0). */
export function callService(ctx: SimContext, service: unknown, call: PendingCall, kind: CallKind,
  mask: number): ServiceReply<unknown, string | null> {
  return serviceAnswer(ctx, service, call, kind, selected(call.disks, mask).map(toSpec), mask);
}

/**
 * The model's answer to a call of `kind` for `call`'s owner on `resources` (those the call was
 * let reach); a registration only when bit 0 of `mask` is set.
 */
export function serviceAnswer(ctx: SimContext, service: unknown, call: PendingCall, kind: CallKind,
  resources: readonly ResourceSpec[], mask: number): ServiceReply<unknown, string | null> {
  const owner = { pid: call.pid, host: call.host };
  const request = { owner, resources, lockState: call.lockState };
  switch (kind) {
    case 'register':
      return mask & 1 ? ctx.model.register(service, owner, { restrict: true })
        : { ok: true, state: service, value: null };
    case 'acquire':
      return ctx.model.acquire(service, request);
    case 'release':
      return ctx.model.release(service, request);
    case 'inquire':
      return ctx.model.inquire(service, request);
  }
}

function injected(fault: OutcomeFault, mask: number, n: number): LockErrorData {
  const form = affectedForm(mask);
  const which = typeof form === 'number' ? `${form} of ${n}`
    : `resources #${form.join(', #')} of ${n}`;
  return errorData('RPC', `injected ${fault}: the call failed after ${which} resource(s) took effect`);
}

const paramsByDefinition = new WeakMap<VmDefinition, DomainParams>();

/**
 * The domain parameters a lock operation of VM `vm` passes to `new`: id, uuid and name, one
 * object per definition. The pid stays out of the statecharts (it is the service's business),
 * so that contexts, and the engine's memo of them, stay bounded over a run.
 */
export function paramsOf(definition: VmDefinition, vm: number): DomainParams {
  return memo(paramsByDefinition, definition, () => ({ id: vm + 1,
    uuid: `00000000-0000-4000-8000-${(vm + 1).toString(16).padStart(12, '0')}`,
    name: definition.name }));
}

const specLists = new WeakMap<readonly DiskUse[], readonly ResourceSpec[]>();

/** The disks of a call as resource specs, one list object per disk-use list object. */
function specsOf(uses: readonly DiskUse[]): readonly ResourceSpec[] {
  return memo(specLists, uses, () => uses.map(toSpec));
}
