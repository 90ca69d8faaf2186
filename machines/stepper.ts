/**
 * Pure stepping with one reused actor scope: the fast path for the simulator, the explorer, the
 * reachability walk and the benchmark.
 *
 * XState's `transition()` and `initialTransition()` build a fresh inert actor on every call, and
 * constructing that actor computes a throw-away initial snapshot of the whole machine, which
 * costs more than most steps. A stepper builds that scope once. Like `transition()` it executes
 * nothing: actions come back in `actions`, invoked and spawned children are never started.
 *
 * The scope copies xstate 5.33's non-exported `createInertActorScope`; xstate is pinned to that
 * minor, and `test/machines/stepper.test.ts` checks that a stepper agrees with `transition()`.
 */
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
