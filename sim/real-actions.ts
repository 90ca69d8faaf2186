/**
 * What real mode must do to make a simulator step happen, and what the model expects each real
 * action to answer: the vocabulary the step and fault modules describe their real side in, and
 * `realActions`, which adds the process changes any step may cause. Pure: it reads the world
 * before and after the step, so real mode never re-implements what a step means; `real/`
 * performs the actions against a backend.
 */
import type { LockErrorCode } from '../contract/errors.ts';
import { allOf, selected } from '../contract/outcomes.ts';
import type { ServiceReply } from '../contract/service.ts';
import { ProcessIn } from '../machines/states.ts';
import type { Step } from './steps.ts';
import type { SimContext } from './world/context.ts';
import { callKind, callService, effectSize } from './world/lock-calls.ts';
import type { DiskUse, PendingCall, Proc, World } from './world/types.ts';

/** What the model says a real call must answer. */
export interface Expected {
  readonly ok: boolean;
  readonly code?: LockErrorCode;
}

export type RealAction =
  | { readonly kind: 'launch'; readonly pid: number; readonly host: number;
      readonly disks: readonly DiskUse[] }
  | { readonly kind: 'register'; readonly pid: number; readonly disks: readonly DiskUse[];
      readonly expect: Expected; readonly lost?: true }
  | { readonly kind: 'lockCall'; readonly call: PendingCall; readonly disks: readonly DiskUse[];
      readonly expect: Expected; readonly lost?: true }
  | { readonly kind: 'cont' | 'stop'; readonly pid: number }
  | { readonly kind: 'write'; readonly pid: number; readonly disk: number }
  | { readonly kind: 'end'; readonly pid: number; readonly how: ProcessEnd }
  | { readonly kind: 'dropConnection'; readonly pid: number; readonly expectKilled: boolean }
  | { readonly kind: 'rogue'; readonly pid: number; readonly op: 'acquire' | 'release';
      readonly disk: DiskUse; readonly expect: Expected }
  | { readonly kind: 'daemonCrash' | 'daemonReexec' | 'hostCrash' | 'libvirtdRestart';
      readonly host: number }
  | { readonly kind: 'imageProbe'; readonly host: number; readonly disk: number }
  /** The host's lease storage fails (EIO) or hangs, for `ms` (null: for the rest of the run). */
  | { readonly kind: 'storage'; readonly host: number; readonly mode: 'eio' | 'stall';
      readonly ms: number | null }
  /** The host's lock daemon is stopped (SIGSTOP) for `ms`, then continued. */
  | { readonly kind: 'daemonPause'; readonly host: number; readonly ms: number };

/** How a process that died in a step ends for real (null: the step's own action ends it). */
export type ProcessEnd = 'term' | 'kill' | 'crash';

export function expected(reply: ServiceReply<unknown, unknown>): Expected {
  return reply.ok ? { ok: true } : { ok: false, code: reply.error.code };
}

/** The real call that applies `call` on the resources `mask` selects, with the model's answer. */
export function callAction(ctx: SimContext, world: World, call: PendingCall, mask: number):
  RealAction {
  const expect = expected(callService(ctx, world.service, call, callKind(call), mask));
  return callKind(call) === 'register'
    ? { kind: 'register', pid: call.pid, disks: call.disks, expect }
    : { kind: 'lockCall', call, disks: selected(call.disks, mask), expect };
}

/**
 * Calls a fault applies in full one after the other (a re-exec's lost replies, a libvirtd
 * restart's calls that made it): each must answer what the model answers once the ones before
 * it took effect, not what it would have answered alone.
 */
export function callsInOrder(ctx: SimContext, world: World, calls: readonly PendingCall[],
  lost: boolean): RealAction[] {
  let service = world.service;
  return calls.map((call) => {
    const all = allOf(effectSize(call));
    const action = callAction(ctx, { ...world, service }, call, all);
    service = callService(ctx, service, call, callKind(call), all).state;
    return lost && (action.kind === 'register' || action.kind === 'lockCall')
      ? { ...action, lost: true } : action;
  });
}

const running = (proc: Proc) => ProcessIn.running(proc.actor);

/**
 * Every real action of a step: processes that appeared are launched, the step's own actions
 * (`own`: its lock calls, its fault) follow, then vCPUs that started or stopped, then processes
 * that died end as `ends` says.
 */
export function realActions(before: World, after: World, own: readonly RealAction[],
  ends: ProcessEnd | null): RealAction[] {
  const actions: RealAction[] = [];
  const was = new Map(before.procs.map((proc) => [proc.pid, proc]));
  const now = new Map(after.procs.map((proc) => [proc.pid, proc]));
  for (const proc of after.procs) {
    if (!was.has(proc.pid)) actions.push({ kind: 'launch', pid: proc.pid, host: proc.host, disks: proc.devices });
  }
  actions.push(...own);
  for (const proc of after.procs) {
    const old = was.get(proc.pid);
    if (!old || running(old) === running(proc)) continue;
    actions.push({ kind: running(proc) ? 'cont' : 'stop', pid: proc.pid });
  }
  for (const proc of before.procs) {
    if (!now.has(proc.pid) && ends !== null) actions.push({ kind: 'end', pid: proc.pid, how: ends });
  }
  return actions;
}

/** The real side of a step, as its module describes it (`sim/steps`, `sim/faults`). */
export interface RealSide<S extends Step> {
  /** The step's own actions (lock calls, faults); default none. */
  real?(ctx: SimContext, before: World, after: World, step: S): RealAction[];
  /** How processes that died in the step end for real; default SIGKILL. */
  readonly ends?: ProcessEnd | null;
}
