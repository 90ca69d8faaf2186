/**
 * A session applies steps to a world one at a time, records each to the trace sink with the
 * world's digest, and runs the safety checkers after it; the heal phase then lets the world
 * settle (no faults, no new workload) and the liveness checkers judge the result. Random runs,
 * replays, scenarios and the shrinker are all sessions fed by different step sources.
 */
import { markStep } from '../../drivers/registry/call-slot.ts';
import { CHECKERS, type Checker, type InvariantId, type Violation } from '../checkers/index.ts';
import type { Prng } from '../prng.ts';
import type { Step } from '../steps.ts';
import type { TraceEnd, TraceHeader } from '../trace/format.ts';
import type { TraceSink } from '../trace/writer.ts';
import { applyStep } from '../world/apply.ts';
import type { CompletedCall } from '../world/lock-calls.ts';
import type { ActorTransition } from '../world/draft.ts';
import type { SimContext } from '../world/context.ts';
import { digestWorld } from '../world/fields.ts';
import { enabledSteps } from '../steps/index.ts';
import type { World } from '../world/types.ts';

export interface SessionOptions {
  /** Only these invariants are checked (default: every checker that applies to the driver). */
  readonly invariants?: readonly InvariantId[];
  readonly sink?: TraceSink;
  /** Record a digest per step (on by default; the explorer's replays switch it off). */
  readonly digests?: boolean;
  /** Watches the run step by step (live inspection, reports); steps are unchanged by it. */
  readonly observer?: SessionObserver;
}

/** What an observer sees of one applied step. */
export interface ObservedStep {
  readonly index: number;
  readonly step: Step;
  readonly before: World;
  readonly after: World;
  /** Events delivered to domain and process statecharts inside the step, in order. */
  readonly transitions: readonly ActorTransition[];
  readonly notes: readonly string[];
  /** The first safety violation so far (set on the step that broke an invariant). */
  readonly violation: Violation | null;
}

/** Hooks a session calls; all optional. Observing costs nothing when no observer is given. */
export interface SessionObserver {
  start?(world: World, header: TraceHeader): void;
  step?(observed: ObservedStep): void;
  end?(end: TraceEnd): void;
}

export function selectCheckers(ctx: SimContext, invariants?: readonly InvariantId[]): Checker[] {
  return CHECKERS.filter((checker) => checker.applies(ctx) &&
    (!invariants || invariants.includes(checker.id)));
}

export class Session {
  world: World;
  /** Steps applied so far. */
  count = 0;
  violation: Violation | null = null;
  liveness: Violation | null = null;
  private readonly checkers: Checker[];
  private healing = false;

  constructor(readonly ctx: SimContext, world: World, readonly options: SessionOptions = {}) {
    this.world = world;
    this.checkers = selectCheckers(ctx, options.invariants);
  }

  start(header: TraceHeader): void {
    this.options.sink?.write(header);
    this.options.observer?.start?.(this.world, header);
  }

  /** Applies one step; false when it is not enabled (nothing is recorded then). */
  apply(step: Step): boolean {
    const observer = this.options.observer;
    markStep(this.count);
    const applied = applyStep(this.ctx, this.world, step, observer !== undefined);
    if (!applied) return false;
    const before = this.world;
    this.world = applied.world;
    const index = this.count++;
    if (this.options.sink) {
      this.options.sink.write({
        type: 'step',
        i: index,
        step,
        h: this.options.digests === false ? '00000000' : digestWorld(this.ctx, this.world),
        ...(applied.notes.length > 0 ? { notes: applied.notes } : {}),
        ...(this.healing && this.healStart === index ? { heal: true } : {}),
      });
    }
    if (!this.violation) this.violation = this.check(before, step, applied.lockCalls, index);
    observer?.step?.({ index, step, before, after: this.world,
      transitions: applied.transitions ?? [], notes: applied.notes, violation: this.violation });
    return true;
  }

  private healStart = -1;

  /** From the next step on, the run is in its heal phase (the trace marks where it began). */
  beginHeal(): void {
    this.healing = true;
    this.healStart = this.count;
  }

  /**
   * The heal phase: faults and workload stop; lock calls in flight complete, timers fire, dying
   * processes exit, until nothing is left to do (or `bound` steps). Returns the steps taken.
   */
  heal(prng: Prng | null, bound = 500): number {
    this.beginHeal();
    let taken = 0;
    while (taken < bound && !this.violation) {
      const steps = enabledSteps(this.ctx, this.world, { faults: new Set(), heal: true });
      if (steps.length === 0) break;
      this.apply(prng ? prng.pick(steps) : steps[0]!);
      taken++;
    }
    return taken;
  }

  /** Runs the liveness checkers on the (settled) world. */
  checkLiveness(): Violation | null {
    for (const checker of this.checkers) {
      const message = checker.checkSettled?.(this.ctx, this.world);
      if (message) {
        this.liveness = { invariant: checker.id, checker: checker.name, kind: 'liveness', message,
          step: Math.max(0, this.count - 1) };
        break;
      }
    }
    return this.liveness;
  }

  end(extra: Pick<TraceEnd, 'findings'> = {}): TraceEnd {
    const end: TraceEnd = {
      type: 'end',
      steps: this.count,
      verdict: this.violation ? 'violated' : 'safe',
      violation: this.violation,
      liveness: this.liveness,
      ...extra,
    };
    this.options.sink?.write(end);
    this.options.observer?.end?.(end);
    return end;
  }

  private check(before: World, step: Step, lockCalls: readonly CompletedCall[], index: number):
    Violation | null {
    // One input for every checker: a step's checks allocate nothing else.
    const input = { ctx: this.ctx, before, after: this.world, step, lockCalls };
    for (const checker of this.checkers) {
      const message = checker.check?.(input);
      if (message) {
        return { invariant: checker.id, checker: checker.name, kind: 'safety', message, step: index };
      }
    }
    return null;
  }
}
