/**
 * Completing a lock call in flight: the call reaches the lock service (the driver's pure model)
 * atomically, and its result goes back to the domain that invoked it — unless the domain has
 * moved on (an orphaned call still takes effect; libvirtd just drops the answer).
 *
 * Failures are choice points. An injected failure names how many of the call's resources took
 * effect before it failed; only counts the driver's declared failure semantics admit are ever
 * chosen (`admissibleEffects`).
 */
import { errorData, type LockErrorData } from '../../drivers/errors.ts';
import type { FailureOutcomeSet } from '../../drivers/driver.ts';
import type { ServiceReply } from '../../drivers/service.ts';
import type { Outcome, OutcomeFault } from '../steps.ts';
import { commandProc, notifyDomain, toSpec } from './actors.ts';
import { doneEvent, errorEvent } from './events.ts';
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import { listId, memoCall } from './service-memo.ts';
import type { PendingCall } from './types.ts';

export type CallKind = 'register' | 'acquire' | 'release' | 'inquire';

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

/** The number of resources an effect count ranges over (registration counts as one). */
export function effectSize(call: PendingCall): number {
  return callKind(call) === 'register' ? 1 : call.disks.length;
}

/** Effect counts a failure may leave behind under a declared outcome set, for n resources. */
export function admissibleEffects(set: FailureOutcomeSet, n: number): number[] {
  switch (set) {
    case 'nothing':
      return [0];
    case 'all-or-nothing':
      return n === 0 ? [0] : [0, n];
    case 'prefix':
    case 'any-subset':
      return [...Array(n + 1).keys()];
  }
}

/** The failing outcomes a fault class offers for a call, within what the driver admits. */
export function failureOutcomes(ctx: SimContext, call: PendingCall, fault: OutcomeFault): number[] {
  const kind = callKind(call);
  const n = effectSize(call);
  if (fault === 'release-fails') {
    return kind === 'release' ? admissibleEffects(ctx.model.failure.release, n) : [];
  }
  if (kind !== 'acquire' && kind !== 'register') return [];
  const admissible = admissibleEffects(ctx.model.failure.acquire, n);
  return fault === 'acquire-fails'
    ? admissible.filter((k) => k === 0 || k === n)
    : admissible.filter((k) => k > 0 && k < n);
}

/** The index of the oldest pending call of `invoke` for vm@host, or -1. */
export function findCall(pending: readonly PendingCall[], vm: number, host: number, invoke: string):
  number {
  return pending.findIndex((call) => call.vm === vm && call.host === host && call.invoke === invoke);
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
  const result = perform(ctx, d, call, outcome);
  if (callKind(call) === 'register' && result.ok) {
    const proc = d.procByPid(call.pid);
    if (proc) commandProc(d, proc, 'process.exec');
  }
  if (call.orphan) {
    d.note(`${call.src} of vm${vm}@h${host} completed after libvirtd stopped waiting`);
    return true;
  }
  notifyDomain(d, vm, host, result.ok
    ? doneEvent(call.invoke, result.output) : errorEvent(call.invoke, result.error));
  return true;
}

type CallResult = { ok: true; output: string | null } | { ok: false; error: LockErrorData };

/** Applies a call (or, for a failure, the prefix that took effect) to the lock service. */
export function perform(ctx: SimContext, d: Draft, call: PendingCall, outcome: Outcome): CallResult {
  const effect = outcome.type === 'ok' ? effectSize(call) : outcome.effect;
  const reply = apply(ctx, d, call, effect);
  if (outcome.type === 'fail') {
    return { ok: false, error: injected(outcome.fault, effect, effectSize(call)) };
  }
  return reply.ok ? { ok: true, output: reply.value } : { ok: false, error: reply.error };
}

function apply(ctx: SimContext, d: Draft, call: PendingCall, effect: number) {
  const kind = callKind(call);
  const key = `${kind}\u0000${call.pid}\u0000${call.host}\u0000${effect}\u0000` +
    `${listId(call.disks)}\u0000${call.lockState ?? '\u0001'}`;
  const reply = memoCall(ctx, d.service, key, () => callService(ctx, d.service, call, kind, effect));
  d.service = reply.state;
  return reply;
}

function callService(ctx: SimContext, service: unknown, call: PendingCall, kind: CallKind,
  effect: number): ServiceReply<unknown, string | null> {
  const owner = { pid: call.pid, host: call.host };
  const resources = call.disks.slice(0, effect).map(toSpec);
  const request = { owner, resources, lockState: call.lockState };
  switch (kind) {
    case 'register':
      return effect > 0 ? ctx.model.register(service, owner, { restrict: true })
        : { ok: true, state: service, value: null };
    case 'acquire':
      return ctx.model.acquire(service, request);
    case 'release':
      return ctx.model.release(service, request);
    case 'inquire':
      return ctx.model.inquire(service, request);
  }
}

function injected(fault: OutcomeFault, effect: number, n: number): LockErrorData {
  return errorData('RPC',
    `injected ${fault}: the call failed after ${effect} of ${n} resource(s) took effect`);
}
