/**
 * The neutral graph model of a statechart that every renderer (Mermaid, DOT, SVG) draws from.
 * It holds plain data only — paths, kinds, labels — so renderers never touch XState internals
 * and two renderers can never disagree about what a machine contains.
 */

/** XState's node types. */
export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** An actor a state invokes while it is active. */
export interface ChartInvoke {
  /** The invoke id: its done/error events are `xstate.done.actor.<id>`. */
  readonly id: string;
  /** The actor's name in `setup({ actors })`, or `inline actor` for an anonymous one. */
  readonly src: string;
}

/** One state node. Paths are dotted below the root (`active.vcpus.running`); the root is `''`. */
export interface ChartState {
  readonly path: string;
  readonly key: string;
  readonly kind: StateKind;
  /** The parent's path; `null` for the root. */
  readonly parent: string | null;
  /** Child paths in document order. */
  readonly children: readonly string[];
  /** The initial child's path (compound states only). */
  readonly initial: string | null;
  /** Whether this state is one region of a parallel state. */
  readonly region: boolean;
  readonly description: string | null;
  readonly invokes: readonly ChartInvoke[];
  /** For history states: which kind. */
  readonly history: 'shallow' | 'deep' | null;
}

/** What makes a transition fire. */
export type Trigger =
  | { readonly kind: 'event'; readonly event: string }
  | { readonly kind: 'always' }
  | { readonly kind: 'after'; readonly delay: string }
  | { readonly kind: 'done'; readonly invokeId: string }
  | { readonly kind: 'error'; readonly invokeId: string }
  | { readonly kind: 'state-done'; readonly state: string };

/** One transition candidate, in document order. A targetless one changes no state. */
export interface ChartTransition {
  /** Position in `Chart.transitions`: a stable id for renderers (`t7`). */
  readonly index: number;
  readonly source: string;
  /** Target paths; empty for a targetless (internal) transition. */
  readonly targets: readonly string[];
  readonly trigger: Trigger;
  /** The raw XState event type (`''` for eventless transitions). */
  readonly eventType: string;
  /** The guard, rendered readably; `null` when unguarded. */
  readonly guard: string | null;
  readonly actions: readonly string[];
  readonly description: string | null;
  /** What a diagram prints on the edge: `done: acquireLocks`, `migrate.begin [a and b]`. */
  readonly label: string;
}

/** A whole machine: its states (root first, then depth first in document order). */
export interface Chart {
  /** The machine's id (`domain`). */
  readonly id: string;
  readonly states: ReadonlyMap<string, ChartState>;
  readonly transitions: readonly ChartTransition[];
}

/** The root's path. */
export const ROOT = '';

/** Looks a state up, failing loudly: a missing path is a bug in the walker or the caller. */
export function stateAt(chart: Chart, path: string): ChartState {
  const state = chart.states.get(path);
  if (!state) throw new Error(`chart '${chart.id}' has no state '${path}'`);
  return state;
}

/** Whether `path` is `ancestor` itself or lies below it. */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === ROOT || path === ancestor || path.startsWith(`${ancestor}.`);
}
