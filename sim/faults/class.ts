/**
 * A fault class: what it is and where in libvirt's history it comes from, when it can strike,
 * and — for the classes whose steps are `fault` steps — everything about those steps (see
 * `sim/steps/module.ts`). The outcome faults (`acquire-fails`, `release-fails`,
 * `partial-acquire`) strike as failing completions of a lock call, so the `complete` step kind
 * applies and reads them; their class only says when they can strike.
 */
import type { RealSide } from '../real-actions.ts';
import type { Choices, Fields, ScenarioSyntax } from '../steps/module.ts';
import type { Step } from '../steps.ts';
import type { SimContext } from '../world/context.ts';
import type { Draft } from '../world/draft.ts';
import type { World } from '../world/types.ts';

/** The part of a fault class that makes, reads and describes its own `fault` steps. */
export interface FaultSteps<S extends Step> extends RealSide<S> {
  /** Applies the fault; false when it cannot strike in this world. */
  apply(ctx: SimContext, d: Draft, step: S): boolean;
  describe(step: S, vm: (index: number) => string): string;
  /** The step's fields beyond `kind` and `fault`, checked (throws `StepError`). */
  read(fields: Fields): S;
  readonly scenario: Omit<ScenarioSyntax, 'keywords'>;
  readonly choices?: Choices<S>;
  /** Why real mode cannot make this fault happen, if it cannot (every backend refuses it). */
  readonly unreal?: string;
}

export interface FaultClass<S extends Step = Step> {
  readonly name: string;
  readonly summary: string;
  /** Where the fault comes from (reference §6 item numbers, mailing-list threads). */
  readonly history: string;
  /** Appends the class's steps that can strike in `world`, choice vectors at their default. */
  enabled(ctx: SimContext, world: World, out: Step[]): void;
  /** Absent for the outcome faults (failing completions). */
  readonly steps?: FaultSteps<S>;
  /**
   * Set for a class that strikes only a lock service on the virtual clock (`TimedService`): an
   * untimed driver's cell is not applicable rather than trivially safe.
   */
  readonly needsClock?: true;
}
