/**
 * Named state predicates: the only place outside the machine definitions that names their
 * states. World code, checkers, real mode and the visualisations ask `DomainIn.shutoff(actor)`,
 * never `leaves.includes('shutoff')`, so renaming a state is caught here: every predicate is
 * checked against its machine's definition when this module loads (a path that does not exist
 * throws), and `test/house/state-paths.test.ts` fails on a state path spelled anywhere else.
 */
import type { AnyStateMachine } from 'xstate';
import { domainMachine } from './domain.machine.ts';
import { factSlot, type ActorState } from './interned.ts';
import { managerMachine } from './manager.machine.ts';
import { processMachine } from './process.machine.ts';

/** Whether an actor is in a state (the state itself, or any state below it). */
export interface StatePredicate {
  (actor: ActorState): boolean;
  /** The state's dotted path below the root (for diagrams and messages). */
  readonly path: string;
  /** Whether a snapshot's active leaves lie in the state. */
  readonly leaves: (leaves: readonly string[]) => boolean;
}

/** `leaves` as a predicate on actors, remembered per interned state (`factSlot`). */
function memoised(leaves: (active: readonly string[]) => boolean): (actor: ActorState) => boolean {
  const fact = factSlot<boolean>();
  const derive = (actor: ActorState): boolean => leaves(actor.leaves);
  return (actor) => fact(actor, derive);
}

/** A predicate for `path` of `machine`; throws when the machine has no such state. */
function inState(machine: AnyStateMachine, path: string): StatePredicate {
  const node = machine.getStateNodeById(`${machine.id}.${path}`);
  const atomic = node.type === 'atomic' || node.type === 'final';
  const below = `${path}.`;
  const leaves = atomic
    ? (active: readonly string[]) => active.includes(path)
    : (active: readonly string[]) => {
      for (const leaf of active) if (leaf === path || leaf.startsWith(below)) return true;
      return false;
    };
  return Object.assign(memoised(leaves), { path, leaves });
}

/** libvirtd's view of one VM (`domain.machine.ts`). */
export const DomainIn = {
  defined: inState(domainMachine, 'defined'),
  shutoff: inState(domainMachine, 'shutoff'),
  starting: inState(domainMachine, 'starting'),
  booting: inState(domainMachine, 'booting'),
  active: inState(domainMachine, 'active'),
  vcpusRunning: inState(domainMachine, 'active.vcpus.running'),
  vcpusPaused: inState(domainMachine, 'active.vcpus.paused'),
  vcpusPausing: inState(domainMachine, 'active.vcpus.pausing'),
  vcpusStopping: inState(domainMachine, 'active.vcpus.stopping'),
  vcpusResuming: inState(domainMachine, 'active.vcpus.resuming'),
  devicesIdle: inState(domainMachine, 'active.devices.idle'),
  destroying: inState(domainMachine, 'destroying'),
  outgoing: inState(domainMachine, 'outgoing'),
  outgoingBegun: inState(domainMachine, 'outgoing.begun'),
  outgoingPerformed: inState(domainMachine, 'outgoing.performed'),
  incoming: inState(domainMachine, 'incoming'),
  incomingPrepared: inState(domainMachine, 'incoming.prepared'),
} as const;

/** Either of two states. */
function either(a: StatePredicate, b: StatePredicate): StatePredicate {
  const leaves = (active: readonly string[]) => a.leaves(active) || b.leaves(active);
  return Object.assign(memoised(leaves), { path: `${a.path}|${b.path}`, leaves });
}

const processPaused = inState(processMachine, 'alive.paused');
const processRunning = inState(processMachine, 'alive.running');

/** The QEMU stand-in (`process.machine.ts`). */
export const ProcessIn = {
  notStarted: inState(processMachine, 'notStarted'),
  starting: inState(processMachine, 'alive.starting'),
  paused: processPaused,
  running: processRunning,
  /** Exec'd: paused or running (past the child's registration). */
  execd: either(processPaused, processRunning),
} as const;

/** One lock-manager context (`manager.machine.ts`). */
export const ManagerIn = {
  started: inState(managerMachine, 'started'),
  freed: inState(managerMachine, 'freed'),
  locksRunning: inState(managerMachine, 'started.locks.running'),
  locksPaused: inState(managerMachine, 'started.locks.paused'),
} as const;
