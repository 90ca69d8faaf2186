/**
 * A checker is a read-only oracle over the world. Safety checkers look at every step (the world
 * before and after it); liveness checkers look at the settled world after the heal phase. Each
 * checker file opens with what it verifies and what it deliberately does not.
 */
import type { SimContext } from '../world/context.ts';
import type { CompletedCall } from '../world/lock-calls.ts';
import type { World } from '../world/types.ts';
import type { Step } from '../steps.ts';

/**
 * The reference's invariants (S1–S9), F1 (a failure affects no more than declared), H1 (grants
 * stay within what the definitions make lockable), A1 (no busy answer without a holder) and L1
 * (a waiting acquire ends).
 */
export type InvariantId = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'S7' | 'S7d' | 'S8' | 'S9' |
  'F1' | 'H1' | 'A1' | 'L1';

export interface CheckInput {
  readonly ctx: SimContext;
  readonly before: World;
  readonly after: World;
  readonly step: Step;
  /** The lock calls that completed in the step, as the manager saw them. */
  readonly lockCalls: readonly CompletedCall[];
}

export interface Checker {
  readonly id: InvariantId;
  readonly name: string;
  readonly kind: 'safety' | 'liveness';
  /** One sentence: what holds when this checker is silent. */
  readonly verifies: string;
  /** One sentence: what it deliberately does not judge. */
  readonly doesNotVerify: string;
  /**
   * A finding already known and explained (the scenario that shows it): reported as known, and
   * never in place of a new finding (matrix, sweeps, the explorer; shrink keeps the invariant).
   */
  readonly known?: string;
  applies(ctx: SimContext): boolean;
  /** Safety: returns a message when the step broke the invariant. */
  check?(input: CheckInput): string | null;
  /** Liveness: returns a message when the settled world breaks it. */
  checkSettled?(ctx: SimContext, world: World): string | null;
}

export interface Violation {
  readonly invariant: InvariantId;
  readonly checker: string;
  readonly kind: 'safety' | 'liveness';
  readonly message: string;
  /** The index of the step that broke it (the last step for liveness). */
  readonly step: number;
}

/** `web@h0`: a VM by its name, on a host. */
export const placeOf = (world: World, vm: number, host: number): string =>
  `${world.vms[vm]?.definition.name ?? `vm${vm}`}@h${host}`;

/** `pid 101 (web@h0)`, or `pid 101 (dead)` for a process that is gone. */
export const who = (world: World, pid: number): string => {
  const proc = world.procs.find((p) => p.pid === pid);
  return proc ? `pid ${pid} (${placeOf(world, proc.vm, proc.host)})` : `pid ${pid} (dead)`;
};
