/**
 * Everything lockchart knows of XState's internals, in one file: how to step a machine purely
 * with one reused actor scope, and how to read the actions a step returns as effects. An XState
 * upgrade that changes either breaks `test/machines/xstate-internals.test.ts`, which holds both
 * to XState's own `transition()` and to its own actor runtime.
 *
 * ## Pure stepping with one reused actor scope
 *
 * The fast path for the simulator, the explorer, the reachability walk and the benchmark.
 * XState's `transition()` and `initialTransition()` build a fresh inert actor on every call, and
 * constructing that actor computes a throw-away initial snapshot of the whole machine, which
 * costs more than most steps. A stepper builds that scope once. Like `transition()` it executes
 * nothing: actions come back in `actions`, invoked and spawned children are never started.
 *
 * The scope copies xstate 5.33's non-exported `createInertActorScope`; xstate is pinned to that
 * minor.
 *
 * ## Actions as effects
 *
 * The built-in actions a transition returns are decoded by their internal types:
 * `xstate.spawnChild` (an invoke or a spawned child), `xstate.stopChild`, `xstate.sendTo`,
 * `xstate.raise` with a delay (a timer), `xstate.cancel`; every other built-in (`assign`, …) was
 * resolved inside the transition. Named actions stay named.
 */
import type { EventObject } from 'xstate';
import type { Effect } from './effects.ts';
import {
  createActor,
  type AnyActorScope,
  type AnyStateMachine,
  type EventFromLogic,
  type ExecutableActionsFrom,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';

export interface Step<TMachine extends AnyStateMachine> {
  readonly snapshot: SnapshotFrom<TMachine>;
  /** The actions the step would execute, in order (spawns, sends, raises, named actions). */
  readonly actions: ExecutableActionsFrom<TMachine>[];
}

export interface Stepper<TMachine extends AnyStateMachine> {
  readonly machine: TMachine;
  /** Like `initialTransition(machine, input)`. */
  initial(input: InputFrom<TMachine>): Step<TMachine>;
  /** Like `transition(machine, snapshot, event)`: an unhandled event returns `snapshot` itself. */
  step(snapshot: SnapshotFrom<TMachine>, event: EventFromLogic<TMachine>): Step<TMachine>;
}

export function createStepper<TMachine extends AnyStateMachine>(
  machine: TMachine,
): Stepper<TMachine> {
  // The actor only lends its identity and system to the scope; it is never started. Creating it
  // without input may leave it in an error snapshot, which nothing reads.
  const self = createActor(machine);
  let actions: ExecutableActionsFrom<TMachine>[] = [];
  const scope = {
    self,
    id: '',
    sessionId: '',
    system: self.system,
    defer: () => {},
    logger: () => {},
    stopChild: () => {},
    emit: () => {},
    actionExecutor: (action: ExecutableActionsFrom<TMachine>) => {
      actions.push(action);
    },
  } as unknown as AnyActorScope;

  return {
    machine,
    initial(input) {
      actions = [];
      const snapshot = machine.getInitialSnapshot(scope, input) as SnapshotFrom<TMachine>;
      return { snapshot, actions };
    },
    step(snapshot, event) {
      actions = [];
      const next = machine.transition(snapshot, event, scope) as SnapshotFrom<TMachine>;
      return { snapshot: next, actions };
    },
  };
}

/** The actions one step returned, as the effects a host performs (see the module comment). */
export function toEffects(actions: readonly { type: string; params?: unknown }[]): Effect[] {
  const effects: Effect[] = [];
  for (const action of actions) {
    const params = action.params as Record<string, unknown> | undefined;
    switch (action.type) {
      case 'xstate.spawnChild':
        effects.push({ kind: 'invoke', id: String(params?.['id']), src: String(params?.['src']),
          input: params?.['input'] });
        break;
      case 'xstate.stopChild':
        effects.push({ kind: 'stopInvoke', id: String(params?.['id']) });
        break;
      case 'xstate.sendTo': {
        const target = params?.['targetId'] ?? (params?.['to'] as { id?: string } | undefined)?.id;
        effects.push({ kind: 'send', to: String(target), event: params?.['event'] as EventObject });
        break;
      }
      case 'xstate.raise':
        if (typeof params?.['delay'] === 'number') {
          effects.push({ kind: 'timer', id: String(params['id']), event: params['event'] as EventObject,
            delay: params['delay'] });
        }
        break;
      case 'xstate.cancel':
        effects.push({ kind: 'cancelTimer', id: String(params?.['sendId']) });
        break;
      default:
        if (!action.type.startsWith('xstate.')) effects.push({ kind: 'action', name: action.type });
    }
  }
  return effects;
}
