/**
 * The catalogue of lockchart's statecharts, and a pure inventory of each: its states (dotted
 * paths) and the events it handles. Diagrams, `lockchart machines` and the reachability tests
 * all read the machine definitions through here, never a hand-written list.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { domainMachine } from './domain.machine.ts';
import { managerMachine } from './manager.machine.ts';
import { processMachine } from './process.machine.ts';
import { resourceMachine } from './resource.machine.ts';

export interface CatalogEntry {
  readonly name: 'process' | 'resource' | 'manager' | 'domain';
  readonly machine: AnyStateMachine;
  readonly summary: string;
  /** A valid input for creating an actor of this machine. */
  readonly exampleInput: unknown;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'manager',
    machine: managerMachine,
    summary: 'one lock-manager context: parameters, resources, start, acquire/release, free',
    exampleInput: { params: {} },
  },
  {
    name: 'resource',
    machine: resourceMachine,
    summary: 'one disk or lease in a manager, with the unknown states after failed calls',
    exampleInput: { name: '/var/lib/images/a.img', mode: 'exclusive' },
  },
  {
    name: 'process',
    machine: processMachine,
    summary: 'the supervised process: starting, paused, running, exited, crashed, killed',
    exampleInput: undefined,
  },
  {
    name: 'domain',
    machine: domainMachine,
    summary: "libvirtd's orchestration of one VM: start, pause/resume, hotplug, migration, destroy",
    exampleInput: { disks: [{ kind: 'disk', name: '/var/lib/images/a.img', mode: 'exclusive' }] },
  },
];

export function catalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.find((entry) => entry.name === name);
}

/** Every state node below the root, depth first in document order. */
export function stateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      out.push(child);
      visit(child);
    }
  };
  visit(machine.root);
  return out;
}

/** A state's path below the root, dotted: `started.locks.running`. */
export function statePath(node: AnyStateNode): string {
  return node.path.join('.');
}

/** Event types the machine handles anywhere, internal events (invoke results, delays) last. */
export function machineEvents(machine: AnyStateMachine): string[] {
  const seen = new Set<string>();
  for (const node of [machine.root, ...stateNodes(machine)]) {
    for (const type of node.transitions.keys()) if (type !== '') seen.add(type);
  }
  const external = [...seen].filter((type) => !type.startsWith('xstate.')).sort();
  const internal = [...seen].filter((type) => type.startsWith('xstate.')).sort();
  return [...external, ...internal];
}

/** The external (caller- or environment-sent) events only. */
export function externalEvents(machine: AnyStateMachine): string[] {
  return machineEvents(machine).filter((type) => !type.startsWith('xstate.'));
}
