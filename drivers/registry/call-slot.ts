/**
 * Where a thread says which user-model call it is in, for a watchdog on another thread to read.
 *
 * A service model from a user's module is plain synchronous code on the simulator's hot path:
 * if it never returns, nothing on its own thread can notice. So each guarded call marks itself
 * in a few words of shared memory — four integer stores, nothing that could change a run — and
 * a watchdog elsewhere (`watchdog.ts`: a worker for the main thread; the pool's thread for its
 * workers) ends the run with one line once the same call has been running past the budget.
 * The simulator marks which step it is applying, so that line names the step.
 */
import { MODEL_FUNCTIONS, type ModelFunction } from './check-model.ts';

/** Every guarded function, by index: the slot stores the index. */
export const SLOT_FUNCTIONS: readonly ModelFunction[] = [...MODEL_FUNCTIONS, 'relabel'];

/** Slot words. */
export const ACTIVE = 0;
export const SEQUENCE = 1;
export const FUNCTION = 2;
export const STEP = 3;
export const MODULE = 4;
/** Set by a watchdog that stopped this thread's stuck call. */
export const FIRED = 5;

/** The step value before the first step (set-up: `initial`, the first world). */
export const SETUP_STEP = -1;
/** The step value while the exhaustive explorer runs (it has no single current step). */
export const EXPLORING_STEP = -2;

const buffer = new SharedArrayBuffer(6 * Int32Array.BYTES_PER_ELEMENT);
const slot = new Int32Array(buffer);
slot[STEP] = SETUP_STEP;

/** The modules whose models are guarded in this thread, by the index the slot stores. */
const origins: string[] = [];

/** Registers a guarded module; its index goes into the slot with each of its calls. */
export function registerOrigin(origin: string): number {
  return origins.push(origin) - 1;
}

/** This thread's slot, to hand a watchdog. */
export function slotBuffer(): SharedArrayBuffer {
  return buffer;
}

export function enterCall(fn: number, module: number): void {
  slot[SEQUENCE] = (slot[SEQUENCE]! + 1) | 0;
  slot[FUNCTION] = fn;
  slot[MODULE] = module;
  Atomics.store(slot, ACTIVE, 1);
}

export function leaveCall(): void {
  Atomics.store(slot, ACTIVE, 0);
}

/** The simulator is about to apply step `step` (or `SETUP_STEP`, `EXPLORING_STEP`). */
export function markStep(step: number): void {
  slot[STEP] = step;
}

/** Whether a watchdog stopped a stuck call of this thread. */
export function watchdogFired(): boolean {
  return Atomics.load(slot, FIRED) === 1;
}

export function currentStep(): number {
  return slot[STEP]!;
}

/** "at step 12", "at set-up", "while exploring": where a model call happened, for messages. */
export function describeStep(step: number): string {
  if (step === SETUP_STEP) return 'at set-up (before the first step)';
  if (step === EXPLORING_STEP) return 'while exploring';
  return `at step ${step}`;
}

/** A snapshot of a slot (this thread's or another's), for a watchdog. */
export function readSlot(view: Int32Array): { active: boolean; sequence: number;
  fn: ModelFunction; step: number; module: number } {
  return {
    active: Atomics.load(view, ACTIVE) === 1,
    sequence: view[SEQUENCE]!,
    fn: SLOT_FUNCTIONS[view[FUNCTION]!] ?? 'initial',
    step: view[STEP]!,
    module: view[MODULE]!,
  };
}
