/**
 * Shared, immutable step objects for the steps the enumerator lists over and over (a call, a
 * write, a completion…). Steps are plain data; reusing one object per distinct step spares the
 * random scheduler and the explorer most of their allocations.
 */
import type { CallName, MigrationPhase, Step } from '../steps.ts';

const steps = new Map<number, Step>();
const names = new Map<string, number>();

/** A small integer for a string (invoke ids, timer ids), stable for the process. */
function code(name: string): number {
  let value = names.get(name);
  if (value === undefined) {
    value = names.size;
    names.set(name, value);
  }
  return value;
}

/** The key of a step in the table (kind, vm, host and one small number). */
const keyOf = (kind: number, vm: number, host: number, extra: number): number =>
  ((kind * 64 + vm) * 16 + host) * 65536 + extra;

/** The step stored under `key`, or `step` stored there first. The helpers below look up before
 * they build, so a hit allocates nothing (no step, no closure). */
function stored<T extends Step>(key: number, step: T): T {
  steps.set(key, step);
  return step;
}

const CALL_CODES: Readonly<Record<CallName, number>> = { start: 0, pause: 1, resume: 2, destroy: 3 };
const PHASE_CODES: Readonly<Record<MigrationPhase, number>> = {
  begin: 0, prepare: 1, perform: 2, finish: 3, confirm: 4, cancel: 5,
};

export function callStep(vm: number, host: number, call: CallName): Step {
  const key = keyOf(0, vm, host, CALL_CODES[call]);
  return steps.get(key) ?? stored(key, { kind: 'call', vm, host, call });
}

export function writeStep(vm: number, host: number, disk: number): Step {
  const key = keyOf(1, vm, host, disk);
  return steps.get(key) ?? stored(key, { kind: 'write', vm, host, disk });
}

export function completeStep(vm: number, host: number, invoke: string): Step {
  const key = keyOf(2, vm, host, code(invoke));
  return steps.get(key) ?? stored(key, { kind: 'complete', vm, host, invoke, outcome: { type: 'ok' } });
}

export function timerStep(vm: number, host: number, id: string): Step {
  const key = keyOf(3, vm, host, code(id));
  return steps.get(key) ?? stored(key, { kind: 'timer', vm, host, id });
}

export function exitStep(vm: number, host: number): Step {
  const key = keyOf(4, vm, host, 0);
  return steps.get(key) ?? stored(key, { kind: 'exit', vm, host });
}

export function guestPauseStep(vm: number, host: number): Step {
  const key = keyOf(5, vm, host, 0);
  return steps.get(key) ?? stored(key, { kind: 'guest-pause', vm, host });
}

export function rogueStep(vm: number, host: number, op: 'acquire' | 'release', disk: number): Step {
  const key = keyOf(6, vm, host, disk * 2 + (op === 'acquire' ? 0 : 1));
  return steps.get(key) ?? stored(key, { kind: 'rogue-call', vm, host, op, disk });
}

export function attachStep(vm: number, host: number, spare: number): Step {
  const key = keyOf(7, vm, host, spare);
  return steps.get(key) ?? stored(key, { kind: 'attach', vm, host, spare });
}

export function detachStep(vm: number, host: number, disk: number): Step {
  const key = keyOf(8, vm, host, disk);
  return steps.get(key) ?? stored(key, { kind: 'detach', vm, host, disk });
}

export function migrateStep(vm: number, phase: MigrationPhase, to?: number): Step {
  const key = keyOf(9, vm, to ?? 15, PHASE_CODES[phase]);
  return steps.get(key) ?? stored(key,
    to === undefined ? { kind: 'migrate', vm, phase } : { kind: 'migrate', vm, phase, to });
}

/** Time passes to the lock service's next instant (one object: the step has no target). */
export const TIME_STEP = Object.freeze({ kind: 'time' } as const);
