/**
 * A bounded breadth-first walk over a machine's pure transitions: every configuration reachable
 * from the initial snapshots by feeding an event alphabet, deduplicated by a caller-given key
 * (the value and the context that matters). Children are never started, so the walk is pure.
 */
import type { AnyEventObject, AnyMachineSnapshot, AnyStateMachine, AnyStateNode } from 'xstate';
import { createStepper } from '../../machines/xstate-internals.ts';

export interface Outcome {
  readonly event: AnyEventObject;
  /**
   * The snapshot the event led to. It is the very same object when no transition was enabled,
   * but also after a targetless transition that only runs actions (no assign).
   */
  readonly next: AnyMachineSnapshot;
  /** How many actions the step returned: what tells such a transition from a rejection. */
  readonly actions: number;
}

/** Whether the event was handled: the snapshot changed, or the step did something. */
export function handled(from: Configuration, outcome: Outcome): boolean {
  return outcome.next !== from.snapshot || outcome.actions > 0;
}

export interface Configuration {
  readonly snapshot: AnyMachineSnapshot;
  /** The events that lead here from the initial snapshot (to replay on a live actor). */
  readonly path: readonly AnyEventObject[];
  /** Every event of the alphabet fed here; null beyond the bound (reached, not explored). */
  outcomes: Outcome[] | null;
}

export interface WalkSpec {
  readonly inputs: readonly unknown[];
  readonly events: readonly AnyEventObject[];
  readonly key: (snapshot: AnyMachineSnapshot) => string;
  /** Whether to explore onwards from a configuration (bounds the walk); default: always. */
  readonly explore?: (snapshot: AnyMachineSnapshot) => boolean;
}

const MAX_CONFIGURATIONS = 20_000;

export function walk(machine: AnyStateMachine, spec: WalkSpec): Configuration[] {
  const stepper = createStepper(machine);
  const seen = new Set<string>();
  const queue: Configuration[] = [];
  const visit = (snapshot: AnyMachineSnapshot, path: readonly AnyEventObject[]): void => {
    const key = spec.key(snapshot);
    if (seen.has(key)) return;
    if (seen.size >= MAX_CONFIGURATIONS) throw new Error(`walk exceeded ${MAX_CONFIGURATIONS}`);
    seen.add(key);
    queue.push({ snapshot, path, outcomes: null });
  };
  for (const input of spec.inputs) visit(stepper.initial(input as never).snapshot, []);
  for (let at = 0; at < queue.length; at++) {
    const from = queue[at]!;
    if (from.snapshot.status !== 'active' || (spec.explore && !spec.explore(from.snapshot))) {
      continue;
    }
    const events = spec.events.filter((event) => canArrive(from.snapshot, event));
    from.outcomes = events.map((event) => ({ event, ...step(from, event) }));
    for (const { event, next } of from.outcomes) {
      if (next !== from.snapshot) visit(next, [...from.path, event]);
    }
  }
  return queue;

  function step(from: Configuration, event: AnyEventObject) {
    try {
      const { snapshot, actions } = stepper.step(from.snapshot, event as never);
      return { next: snapshot as AnyMachineSnapshot, actions: actions.length };
    } catch (error) {
      const path = [...from.path, event].map((e) => e.type).join(' → ');
      throw new Error(`${machine.id}: stepping threw after ${path}`, { cause: error });
    }
  }
}

/**
 * Whether a host could deliver the event now. Invoke results come only from an invoke that is
 * running, and a delay fires only while its state is active: XState treats an error event that
 * no state handles as the actor's own failure, so feeding stale ones would be meaningless.
 */
export function canArrive(snapshot: AnyMachineSnapshot, event: AnyEventObject): boolean {
  const nodes = snapshot._nodes as AnyStateNode[];
  const invoked = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event.type);
  if (invoked) return nodes.some((node) => node.invoke.some((def) => def.id === invoked[2]));
  if (event.type.startsWith('xstate.after.')) {
    return nodes.some((node) => node.transitions.has(event.type));
  }
  return true;
}

/** The dotted paths of every state node active in a snapshot. */
export function activePaths(snapshot: AnyMachineSnapshot): string[] {
  return (snapshot._nodes as { path: string[] }[])
    .filter((node) => node.path.length > 0)
    .map((node) => node.path.join('.'));
}
