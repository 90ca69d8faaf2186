/**
 * A step kind, or a fault class, is one module: when it is enabled (its precondition), what it
 * does, how it reads in a trace and in a scenario, how it is described, its choice vectors and
 * what real mode does for it. `sim/steps/index.ts` and `sim/faults/index.ts` collect them, and
 * every layer iterates those registries: the enumerator, `applyStep`, the trace reader, the
 * scenario parser, the random scheduler, the explorer and real mode. Adding a fault class is one
 * file and one registry line (`docs/simulator.md`, "Adding a fault class").
 */
import type { Prng } from '../prng.ts';
import type { RealSide } from '../real-actions.ts';
import type { Step } from '../steps.ts';
import type { SimContext } from '../world/context.ts';
import type { Draft } from '../world/draft.ts';
import type { World } from '../world/types.ts';

/**
 * What may happen: everything; no new workload (the explorer's workload budget is spent:
 * migrations under way go on); or the heal phase (only what lets the world settle: calls in
 * flight complete, timers fire, dying processes exit).
 */
export type Phase = 'all' | 'noWorkload' | 'heal';

/** A step's fields as read from a trace line or built by the scenario parser (unchecked). */
export type Fields = Readonly<Record<string, unknown>>;

/** How scenario lines name things: each resolver fails with a one-line message. */
export interface ScenarioWords {
  /** `web@h0`: a VM by name on a host. */
  at(word: string | undefined): { vm: number; host: number };
  vm(word: string | undefined): number;
  host(word: string | undefined): number;
  disk(word: string | undefined): number;
  /** The index of `disk` among the VM's spares. */
  spare(vm: number, disk: number): number;
  /** `lost=yes,no` → booleans (`key` names the list); absent → []. */
  flags(word: string | undefined, key: string): boolean[];
  /** `N` (a count) or `#i,#j` (indices): which resources a failure affected. */
  effect(word: string | undefined): number | number[];
  fail(message: string): never;
}

export interface ScenarioSyntax {
  /** The statement's keyword(s): `start`, `write`, … (a fault's is its name after `fault`). */
  readonly keywords: readonly string[];
  /** One usage line for the format's documentation. */
  readonly usage: string;
  /** The step's fields from the statement's words (checked afterwards by `read`). */
  parse(keyword: string, args: readonly string[], words: ScenarioWords): Fields;
}

/** Shared by step kinds and fault classes. */
export interface StepPart<S extends Step> extends RealSide<S> {
  /** Applies the step; false when it is not enabled (nothing is changed then). */
  apply(ctx: SimContext, d: Draft, step: S): boolean;
  /** One short line for timelines and logs; `vm` names a VM. */
  describe(step: S, vm: (index: number) => string): string;
  /** The step from a trace line's fields, checked (throws `StepError`). */
  read(fields: Fields): S;
  readonly scenario: ScenarioSyntax;
}

export interface StepModule<S extends Step = Step> extends StepPart<S> {
  readonly kind: S['kind'];
  /** Workload (what users and guests do: budgeted) or environment (what follows from it). */
  readonly role: 'workload' | 'environment';
  /** Appends the steps of this kind enabled in `world` (each of them applies). */
  enabled(ctx: SimContext, world: World, phase: Phase, out: Step[]): void;
}

/** A step with choice vectors: every variant (the explorer), or one drawn (random mode). */
export interface Choices<S extends Step> {
  all(step: S): readonly S[];
  draw(prng: Prng, step: S): S;
}
