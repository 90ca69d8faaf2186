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

function cached<T extends Step>(kind: number, vm: number, host: number, extra: number, make: () => T): T {
  const key = ((kind * 64 + vm) * 16 + host) * 65536 + extra;
  let step = steps.get(key);
  if (!step) {
    step = make();
    steps.set(key, step);
  }
  return step as T;
}

const CALL_CODES: Readonly<Record<CallName, number>> = { start: 0, pause: 1, resume: 2, destroy: 3 };
const PHASE_CODES: Readonly<Record<MigrationPhase, number>> = {
  begin: 0, prepare: 1, perform: 2, finish: 3, confirm: 4, cancel: 5,
};

export const callStep = (vm: number, host: number, call: CallName) =>
  cached(0, vm, host, CALL_CODES[call], () => ({ kind: 'call', vm, host, call }) as const);

export const writeStep = (vm: number, host: number, disk: number) =>
  cached(1, vm, host, disk, () => ({ kind: 'write', vm, host, disk }) as const);

export const completeStep = (vm: number, host: number, invoke: string) =>
  cached(2, vm, host, code(invoke), () =>
    ({ kind: 'complete', vm, host, invoke, outcome: { type: 'ok' } }) as const);

export const timerStep = (vm: number, host: number, id: string) =>
  cached(3, vm, host, code(id), () => ({ kind: 'timer', vm, host, id }) as const);

export const exitStep = (vm: number, host: number) =>
  cached(4, vm, host, 0, () => ({ kind: 'exit', vm, host }) as const);

export const guestPauseStep = (vm: number, host: number) =>
  cached(5, vm, host, 0, () => ({ kind: 'guest-pause', vm, host }) as const);

export const rogueStep = (vm: number, host: number, op: 'acquire' | 'release', disk: number) =>
  cached(6, vm, host, disk * 2 + (op === 'acquire' ? 0 : 1),
    () => ({ kind: 'rogue-call', vm, host, op, disk }) as const);

export const attachStep = (vm: number, host: number, spare: number) =>
  cached(7, vm, host, spare, () => ({ kind: 'attach', vm, host, spare }) as const);

export const detachStep = (vm: number, host: number, disk: number) =>
  cached(8, vm, host, disk, () => ({ kind: 'detach', vm, host, disk }) as const);

export const migrateStep = (vm: number, phase: MigrationPhase, to?: number): Step =>
  cached(9, vm, to ?? 15, PHASE_CODES[phase], (): Step =>
    (to === undefined ? { kind: 'migrate', vm, phase } : { kind: 'migrate', vm, phase, to }));

/** Time passes to the lock service's next instant (one object: the step has no target). */
export const TIME_STEP = Object.freeze({ kind: 'time' } as const);
