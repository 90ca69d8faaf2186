/**
 * From a simulator step to the real actions that make it happen, and what the model expects
 * each to do. Pure: it reads the world before and after the step (processes that appeared or
 * died, vCPUs that started or stopped) and the step itself (which lock call completed, which
 * fault struck), so real mode never re-implements what a step means.
 */
import type { LockErrorCode } from '../drivers/errors.ts';
import type { ServiceReply } from '../drivers/service.ts';
import { allOf, selected } from '../drivers/outcomes.ts';
import { toSpec } from '../sim/world/actors.ts';
import type { SimContext } from '../sim/world/context.ts';
import { callKind, callService, effectSize, findCall } from '../sim/world/lock-calls.ts';
import { affectedMask, type Step } from '../sim/steps.ts';
import type { DiskUse, PendingCall, Proc, World } from '../sim/world/types.ts';

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
  | { readonly kind: 'end'; readonly pid: number; readonly how: 'term' | 'kill' | 'crash' }
  | { readonly kind: 'dropConnection'; readonly pid: number; readonly expectKilled: boolean }
  | { readonly kind: 'rogue'; readonly pid: number; readonly op: 'acquire' | 'release';
      readonly disk: DiskUse; readonly expect: Expected }
  | { readonly kind: 'daemonCrash' | 'daemonReexec' | 'hostCrash' | 'libvirtdRestart';
      readonly host: number }
  | { readonly kind: 'imageProbe'; readonly host: number; readonly disk: number };

const running = (proc: Proc) => proc.actor.leaves[0] === 'alive.running';

function expected(reply: ServiceReply<unknown, unknown>): Expected {
  return reply.ok ? { ok: true } : { ok: false, code: reply.error.code };
}

/** The model's reply to a call on the resources that take effect (all, or a failure's subset). */
function modelReply(ctx: SimContext, service: unknown, call: PendingCall, mask: number):
  ServiceReply<unknown, unknown> {
  return callService(ctx, service, call, callKind(call), mask);
}

function callAction(ctx: SimContext, world: World, call: PendingCall, mask: number): RealAction {
  const disks = selected(call.disks, mask);
  const expect = expected(modelReply(ctx, world.service, call, mask));
  return callKind(call) === 'register'
    ? { kind: 'register', pid: call.pid, disks: call.disks, expect }
    : { kind: 'lockCall', call, disks, expect };
}

/**
 * Calls a fault applies in full one after the other (a re-exec's lost replies, a libvirtd
 * restart's calls that made it): each must answer what the model answers once the ones before
 * it took effect, not what it would have answered alone.
 */
function callsInOrder(ctx: SimContext, world: World, calls: readonly PendingCall[],
  lost: boolean): RealAction[] {
  let service = world.service;
  return calls.map((call) => {
    const all = allOf(effectSize(call));
    const action = callAction(ctx, { ...world, service }, call, all);
    service = modelReply(ctx, service, call, all).state;
    return lost && (action.kind === 'register' || action.kind === 'lockCall')
      ? { ...action, lost: true } : action;
  });
}

/** The step's own actions: the lock calls it completes and the faults it injects. */
function stepActions(ctx: SimContext, before: World, after: World, step: Step): RealAction[] {
  switch (step.kind) {
    case 'complete': {
      const call = before.pending[findCall(before.pending, step.vm, step.host, step.invoke)]!;
      const mask = step.outcome.type === 'ok' ? allOf(effectSize(call))
        : affectedMask(step.outcome.effect);
      if (callKind(call) === 'register' && mask === 0) return [];
      return [callAction(ctx, before, call, mask)];
    }
    case 'write': {
      const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host)!;
      return [{ kind: 'write', pid: proc.pid, disk: step.disk }];
    }
    case 'rogue-call': {
      const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host)!;
      const disk = proc.devices.find((use) => use.disk === step.disk)!;
      const reply = ctx.model.callFromOwner(before.service,
        { owner: { pid: proc.pid, host: step.host }, resources: [toSpec(disk)] }, step.op);
      return [{ kind: 'rogue', pid: proc.pid, op: step.op, disk, expect: expected(reply) }];
    }
    case 'fault':
      return faultActions(ctx, before, after, step);
    default:
      return [];
  }
}

function faultActions(ctx: SimContext, before: World, after: World,
  step: Extract<Step, { kind: 'fault' }>): RealAction[] {
  switch (step.fault) {
    case 'daemon-crash':
    case 'host-crash':
      return [{ kind: step.fault === 'daemon-crash' ? 'daemonCrash' : 'hostCrash', host: step.host }];
    case 'daemon-reexec': {
      const lost = before.pending.filter((call) => call.host === step.host)
        .filter((_, i) => step.lost[i]);
      return [{ kind: 'daemonReexec', host: step.host }, ...callsInOrder(ctx, before, lost, true)];
    }
    case 'libvirtd-restart': {
      const applied = before.pending.filter((call) => call.host === step.host &&
        call.src !== 'registerOwner').filter((_, i) => step.applied[i]);
      // The calls that made it reached the lock service before libvirtd died.
      return [...callsInOrder(ctx, before, applied, false),
        { kind: 'libvirtdRestart', host: step.host }];
    }
    case 'image-probe':
      return [{ kind: 'imageProbe', host: step.host, disk: step.disk }];
    case 'connection-drop': {
      const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host)!;
      return [{ kind: 'dropConnection', pid: proc.pid,
        expectKilled: !after.procs.some((p) => p.pid === proc.pid) }];
    }
    default:
      return [];
  }
}

/** How a process that died in this step ends for real. */
function endOf(step: Step): 'term' | 'kill' | 'crash' | null {
  if (step.kind === 'exit') return 'term';
  if (step.kind !== 'fault') return 'kill';
  switch (step.fault) {
    case 'process-crash':
      return 'crash';
    case 'host-crash':
    case 'connection-drop':
      return null;
    default:
      return 'kill';
  }
}

export function mirrorStep(ctx: SimContext, before: World, after: World, step: Step): RealAction[] {
  const actions: RealAction[] = [];
  const was = new Map(before.procs.map((proc) => [proc.pid, proc]));
  const now = new Map(after.procs.map((proc) => [proc.pid, proc]));
  for (const proc of after.procs) {
    if (!was.has(proc.pid)) actions.push({ kind: 'launch', pid: proc.pid, host: proc.host, disks: proc.devices });
  }
  actions.push(...stepActions(ctx, before, after, step));
  for (const proc of after.procs) {
    const old = was.get(proc.pid);
    if (!old || running(old) === running(proc)) continue;
    actions.push({ kind: running(proc) ? 'cont' : 'stop', pid: proc.pid });
  }
  const how = endOf(step);
  for (const proc of before.procs) {
    if (!now.has(proc.pid) && how !== null) actions.push({ kind: 'end', pid: proc.pid, how });
  }
  return actions;
}
