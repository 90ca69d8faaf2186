/**
 * Applies one step to a world, purely: the result is the next world, or null when the step is
 * not enabled (a call the domain refuses, a process that is not there, a failure outcome the
 * driver does not admit). Time advances by 1 ms per step; a timer jumps to its due time.
 */
import type { CallName, Step } from '../steps.ts';
import {
  callDomain,
  commandProc,
  domainContext,
  drain,
  isRunning,
  notifyDomain,
  procDies,
  toSpec,
} from './actors.ts';
import type { SimContext } from './context.ts';
import { Draft, type ActorTransition } from './draft.ts';
import { attachEvent, detachEvent, plainEvent } from './events.ts';
import { applyFault } from './fault-ops.ts';
import { completeCall, findCall, isOfferedOutcome, type CompletedCall } from './lock-calls.ts';
import { migrate, settleMigrations } from './migration.ts';
import type { World } from './types.ts';

export interface Applied {
  readonly world: World;
  /** The lock calls that completed in the step (what the manager answered and believed). */
  readonly lockCalls: readonly CompletedCall[];
  /** What happened inside the step beyond the step itself (for traces and timelines). */
  readonly notes: readonly string[];
  /** Events the step delivered to statecharts, in order (only when `observe` was asked). */
  readonly transitions: readonly ActorTransition[] | null;
}

const CALL_EVENTS: Readonly<Record<CallName, string>> = {
  start: 'domain.start',
  pause: 'domain.pause',
  resume: 'domain.resume',
  destroy: 'domain.destroy',
};

export function applyStep(
  ctx: SimContext,
  world: World,
  step: Step,
  observe = false,
): Applied | null {
  const d = new Draft(world, observe);
  if (!dispatch(ctx, d, step)) return null;
  drain(ctx, d);
  settleMigrations(d);
  if (step.kind !== 'timer') d.time += 1;
  return { world: d.finish(), lockCalls: d.lockCalls, notes: d.notes, transitions: d.transitions };
}

function dispatch(ctx: SimContext, d: Draft, step: Step): boolean {
  switch (step.kind) {
    case 'call':
      return callDomain(ctx, d, step.vm, step.host, plainEvent(CALL_EVENTS[step.call]));
    case 'attach': {
      const use = d.vms[step.vm]?.definition.spares[step.spare];
      if (!use) return false;
      return callDomain(ctx, d, step.vm, step.host, attachEvent(use));
    }
    case 'detach': {
      const spec = domainContext(d, step.vm, step.host).disks
        .find((disk) => ctx.storage.resolve(disk.name) === step.disk);
      if (!spec) return false;
      return callDomain(ctx, d, step.vm, step.host, detachEvent(spec.name));
    }
    case 'migrate':
      return migrate(ctx, d, step.vm, step.phase, step.to);
    case 'complete':
      return complete(ctx, d, step);
    case 'timer':
      return timer(d, step.vm, step.host, step.id);
    case 'exit': {
      const proc = d.proc(step.vm, step.host);
      if (!proc?.terminating) return false;
      procDies(ctx, d, proc.pid, 'exit');
      return true;
    }
    case 'write':
      return write(d, step.vm, step.host, step.disk);
    case 'guest-pause': {
      const proc = d.proc(step.vm, step.host);
      if (!proc || !isRunning(proc)) return false;
      commandProc(d, proc, 'process.stop');
      notifyDomain(d, step.vm, step.host, plainEvent('qemu.stop'));
      return true;
    }
    case 'rogue-call':
      return rogueCall(ctx, d, step);
    case 'fault':
      if (!applyFault(ctx, d, step)) return false;
      d.faults += 1;
      return true;
  }
}

function complete(ctx: SimContext, d: Draft, step: Extract<Step, { kind: 'complete' }>) {
  const at = findCall(d.pending, step.vm, step.host, step.invoke);
  if (at < 0) return false;
  if (step.outcome.type === 'fail' &&
    !isOfferedOutcome(ctx, d.pending[at]!, step.outcome.fault, step.outcome.effect)) return false;
  return completeCall(ctx, d, step.vm, step.host, step.invoke, step.outcome);
}

function timer(d: Draft, vm: number, host: number, id: string): boolean {
  const at = d.timers.findIndex((t) => t.vm === vm && t.host === host && t.id === id);
  if (at < 0) return false;
  const fired = d.timers[at]!;
  d.timers.splice(at, 1);
  d.time = Math.max(d.time, fired.due);
  notifyDomain(d, vm, host, fired.event);
  return true;
}

/** A running process writes one of its writable devices; the disk logs the writer. */
function write(d: Draft, vm: number, host: number, disk: number): boolean {
  const proc = d.proc(vm, host);
  if (!proc || !isRunning(proc)) return false;
  const device = proc.devices.find((use) => use.disk === disk && use.mode !== 'readonly');
  if (!device) return false;
  const state = d.disks[disk]!;
  const writer = { pid: proc.pid, vm, host, mode: device.mode, time: d.time };
  d.disks[disk] = {
    ...state,
    liveWriters: [...state.liveWriters.filter((w) => w.pid !== proc.pid), writer],
    writes: state.writes + 1,
  };
  return true;
}

/** The guest abuses the connection leaked into it; after RESTRICT this must change nothing. */
function rogueCall(ctx: SimContext, d: Draft, step: Extract<Step, { kind: 'rogue-call' }>) {
  const proc = d.proc(step.vm, step.host);
  if (!proc || ctx.model.registration(d.service, proc.pid) === 'none') return false;
  const use = proc.devices.find((device) => device.disk === step.disk);
  if (!use) return false;
  const reply = ctx.model.callFromOwner(d.service,
    { owner: { pid: proc.pid, host: step.host }, resources: [toSpec(use)] }, step.op);
  d.service = reply.state;
  d.note(reply.ok ? `the daemon accepted the guest's ${step.op}` : `denied: ${reply.error.message}`);
  return true;
}
