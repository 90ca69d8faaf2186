/**
 * Replay: rebuild the world a trace describes and apply its steps again. Strict replay proves a
 * trace reproduces exactly (every step enabled, every digest equal, the same verdict) and
 * refuses a trace recorded with another model version. Lenient replay, for the shrinker, skips
 * steps that a shortened trace no longer enables.
 */
import type { InvariantId, Violation } from '../checkers/index.ts';
import { MODEL_VERSION } from '../model-version.ts';
import type { Step } from '../steps.ts';
import type { Trace, TraceHeader } from '../trace/format.ts';
import type { TraceSink } from '../trace/writer.ts';
import type { SimDriver } from '../resolve-driver.ts';
import { createContext, type SimContext } from '../world/context.ts';
import { digestWorld } from '../world/fields.ts';
import { createWorld } from '../world/setup.ts';
import { Session, type SessionObserver } from './session.ts';

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

export interface ReplayResult {
  readonly steps: number;
  readonly violation: Violation | null;
  readonly liveness: Violation | null;
  readonly session: Session;
}

export function checkReplayable(header: TraceHeader, driver: SimDriver): void {
  if (header.model !== MODEL_VERSION) {
    throw new ReplayError(`the trace was recorded with model version ${header.model}, this ` +
      `lockchart runs ${MODEL_VERSION}: its steps could mean something else now; re-run the ` +
      `seed (${header.seed ?? 'none'}) instead`);
  }
  if (header.driver !== driver.name) {
    throw new ReplayError(`the trace was recorded with driver '${header.driver}', not '${driver.name}'`);
  }
}

export function contextFor(header: TraceHeader, driver: SimDriver): SimContext {
  return createContext(driver.model, header.shape, { ...driver.config, ...header.config },
    { design: header.design ?? 'libvirt' });
}

/** Replays every step exactly; throws ReplayError naming the first divergence. */
export function replayStrict(
  trace: Trace,
  driver: SimDriver,
  options: {
    sink?: TraceSink;
    invariants?: readonly InvariantId[];
    /** Watches every replayed step (reports, timelines); replay is the same without it. */
    observer?: SessionObserver;
  } = {},
): ReplayResult {
  checkReplayable(trace.header, driver);
  const ctx = contextFor(trace.header, driver);
  const invariants = options.invariants ?? trace.header.invariants;
  const session = new Session(ctx, createWorld(ctx, trace.header.definitions), {
    ...(options.sink ? { sink: options.sink } : {}),
    ...(invariants ? { invariants } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  session.start(trace.header);
  for (const record of trace.steps) {
    if (!session.apply(record.step)) {
      throw new ReplayError(`step ${record.i} is not enabled when replayed: the trace does not ` +
        'match this driver or model');
    }
    const digest = digestWorld(ctx, session.world);
    if (digest !== record.h) {
      throw new ReplayError(`step ${record.i} diverged: world digest ${digest}, the trace ` +
        `recorded ${record.h}`);
    }
  }
  if (trace.end && !session.violation) session.checkLiveness();
  session.end();
  options.sink?.close();
  return { steps: session.count, violation: session.violation, liveness: session.liveness, session };
}

export interface LenientResult extends ReplayResult {
  /** The steps that were enabled and applied, in order. */
  readonly applied: readonly Step[];
}

/**
 * Applies the steps that are enabled, skips the others, stops at the first safety violation;
 * with `settle`, runs a deterministic heal phase and the liveness check at the end.
 */
export function replayLenient(
  header: TraceHeader,
  driver: SimDriver,
  steps: readonly Step[],
  options: { settle?: boolean; invariants?: readonly InvariantId[]; sink?: TraceSink } = {},
): LenientResult {
  const ctx = contextFor(header, driver);
  const invariants = options.invariants ?? header.invariants;
  const session = new Session(ctx, createWorld(ctx, header.definitions), {
    ...(invariants ? { invariants } : {}),
    ...(options.sink ? { sink: options.sink } : {}),
  });
  session.start(header);
  const applied: Step[] = [];
  for (const step of steps) {
    if (session.violation) break;
    if (session.apply(step)) applied.push(step);
  }
  if (options.settle && !session.violation) {
    session.heal(null);
    if (!session.violation) session.checkLiveness();
  }
  if (options.sink) {
    session.end();
    options.sink.close();
  }
  return { steps: session.count, violation: session.violation, liveness: session.liveness,
    session, applied };
}
