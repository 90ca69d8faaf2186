/**
 * What an exploration reached of the statecharts: every state node of the domain and process
 * machines, every transition (source state × event), and every cell fault class × domain
 * state (the states the domains a fault struck were in). The inventory comes from the machine
 * definitions (`machines/catalog.ts`); what is missing is listed by name.
 */
import { getInitialMicrosteps, type AnyStateMachine, type EventObject } from 'xstate';
import { stateNodes, statePath } from '../../machines/catalog.ts';
import { domainMachine } from '../../machines/domain.machine.ts';
import { eventKey, type ActorState } from '../../machines/interned.ts';
import { processMachine } from '../../machines/process.machine.ts';
import type { FaultName } from '../faults/index.ts';
import { faultOf, type Step } from '../steps.ts';
import type { ActorTransition } from '../world/draft.ts';
import type { World } from '../world/types.ts';

/** How much of one inventory was reached. */
export interface CoverageCount {
  readonly total: number;
  readonly reached: number;
  /** What was never reached, by name. */
  readonly missing: readonly string[];
}

/** Coverage of the domain and process statecharts and of the fault × state cells. */
export interface CoverageReport {
  readonly domainStates: CoverageCount;
  readonly processStates: CoverageCount;
  readonly domainTransitions: CoverageCount;
  readonly processTransitions: CoverageCount;
  /** Fault class × domain state node: a fault of that class struck a domain in that state. */
  readonly faultCells: CoverageCount;
}

const ALWAYS = '(always)';
const MACHINES = [domainMachine, processMachine] as const;

/** Every state node path of a machine, and every transition as `source × event`. */
export function inventory(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
  const states: string[] = [];
  const transitions: string[] = [];
  for (const node of stateNodes(machine)) {
    const path = statePath(node);
    states.push(path);
    for (const type of node.transitions.keys()) {
      if (type !== '') transitions.push(`${path} × ${type}`);
    }
    if (node.always && node.always.length > 0) transitions.push(`${path} × ${ALWAYS}`);
  }
  return { states, transitions };
}

/** A state and its ancestors, from its active leaves. */
function activePaths(actor: ActorState): string[] {
  const paths = new Set<string>();
  for (const leaf of actor.leaves) {
    const parts = leaf.split('.');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('.'));
  }
  return [...paths];
}

/** Collects coverage as the explorer goes (worlds, delivered events, faults). */
export class CoverageRecorder {
  private readonly seenActors = [new Set<ActorState>(), new Set<ActorState>()];
  private readonly states = [new Set<string>(), new Set<string>()];
  private readonly transitions = [new Set<string>(), new Set<string>()];
  private readonly stepped: Map<ActorState, Set<string>>[] = [new Map(), new Map()];
  private readonly faultActors = new Map<FaultName, Set<ActorState>>();

  constructor(private readonly faults: readonly FaultName[], initial: World) {
    // Every domain is created through the transient `defined` state and its eventless choice.
    for (const vm of initial.vms) {
      const input = { disks: vm.definition.disks.map((use) => ({ kind: 'disk', name: use.path,
        mode: use.mode })) };
      const microsteps = getInitialMicrosteps(domainMachine, input as never);
      microsteps.forEach(([snapshot], i) => {
        for (const node of snapshot._nodes) {
          if (!node.parent) continue;
          const path = statePath(node);
          this.states[0]!.add(path);
          if (i < microsteps.length - 1 && node.always?.length) {
            this.transitions[0]!.add(`${path} × ${ALWAYS}`);
          }
        }
      });
    }
    this.world(initial);
  }

  /** The actor states present in a world. */
  world(world: World): void {
    for (const domain of world.domains) this.actor(0, domain);
    for (const proc of world.procs) this.actor(1, proc.actor);
  }

  /** The events a step delivered to statecharts (`applyStep(…, observe)`). */
  delivered(transitions: readonly ActorTransition[]): void {
    for (const transition of transitions) {
      if (!transition.handled) continue;
      const m = transition.machine === 'domain' ? 0 : 1;
      this.actor(m, transition.before);
      this.actor(m, transition.after);
      let events = this.stepped[m]!.get(transition.before);
      if (!events) {
        events = new Set();
        this.stepped[m]!.set(transition.before, events);
      }
      const key = eventKey(transition.event);
      if (events.has(key)) continue;
      events.add(key);
      this.transitionCells(m, transition.before, transition.event);
    }
  }

  /** A fault step applied to `before`: the domains it struck and their states. */
  fault(step: Step, before: World): void {
    const fault = faultOf(step);
    if (!fault) return;
    let actors = this.faultActors.get(fault);
    if (!actors) {
      actors = new Set();
      this.faultActors.set(fault, actors);
    }
    const target = step as { vm?: number; host?: number };
    const hosts = before.hosts.length;
    for (let vm = 0; vm < before.vms.length; vm++) {
      if (target.vm !== undefined && target.vm !== vm) continue;
      for (let host = 0; host < hosts; host++) {
        if (target.host !== undefined && target.host !== host) continue;
        actors.add(before.domains[vm * hosts + host]!);
      }
    }
  }

  report(): CoverageReport {
    const [domain, process] = MACHINES.map(inventory);
    const count = (all: readonly string[], reached: ReadonlySet<string>): CoverageCount => {
      const missing = all.filter((name) => !reached.has(name));
      return { total: all.length, reached: all.length - missing.length, missing };
    };
    const cells: string[] = [];
    const reachedCells = new Set<string>();
    for (const fault of this.faults) {
      for (const state of domain!.states) cells.push(`${fault} × ${state}`);
      for (const actor of this.faultActors.get(fault) ?? []) {
        for (const path of activePaths(actor)) reachedCells.add(`${fault} × ${path}`);
      }
    }
    return {
      domainStates: count(domain!.states, this.states[0]!),
      processStates: count(process!.states, this.states[1]!),
      domainTransitions: count(domain!.transitions, this.transitions[0]!),
      processTransitions: count(process!.transitions, this.transitions[1]!),
      faultCells: count(cells, reachedCells),
    };
  }

  private actor(m: number, actor: ActorState): void {
    if (this.seenActors[m]!.has(actor)) return;
    this.seenActors[m]!.add(actor);
    for (const path of activePaths(actor)) this.states[m]!.add(path);
  }

  private transitionCells(m: number, before: ActorState, event: EventObject): void {
    const machine = MACHINES[m]!;
    const taken = machine.getTransitionData(before.snapshot as never, event as never);
    for (const transition of taken) {
      this.transitions[m]!.add(`${statePath(transition.source)} × ${transition.eventType}`);
    }
  }
}
