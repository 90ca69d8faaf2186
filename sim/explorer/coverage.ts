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
  /** Undoes what was added since `mark()`, newest first; null when not marked. */
  private journal: (() => void)[] | null = null;

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

  /**
   * Starts remembering what is added from now on, so that `rollback()` can take it back: the
   * parallel explorer marks each level and, when the level ends in a violation, takes back what
   * states after it in the sequential order delivered (`parallel/shard.ts`).
   */
  mark(): void {
    this.journal = [];
  }

  /** Takes back everything added since `mark()`. */
  rollback(): void {
    const journal = this.journal;
    if (!journal) throw new Error('invariant: coverage rollback without a mark');
    for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
    this.journal = null;
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
      const events = this.setIn(this.stepped[m]!, transition.before);
      if (!this.add(events, eventKey(transition.event))) continue;
      this.transitionCells(m, transition.before, transition.event);
    }
  }

  /** A fault step applied to `before`: the domains it struck and their states. */
  fault(step: Step, before: World): void {
    const fault = faultOf(step);
    if (!fault) return;
    const actors = this.setIn(this.faultActors, fault);
    const target = step as { vm?: number; host?: number };
    const hosts = before.hosts.length;
    for (let vm = 0; vm < before.vms.length; vm++) {
      if (target.vm !== undefined && target.vm !== vm) continue;
      for (let host = 0; host < hosts; host++) {
        if (target.host !== undefined && target.host !== host) continue;
        this.add(actors, before.domains[vm * hosts + host]!);
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
    if (!this.add(this.seenActors[m]!, actor)) return;
    for (const path of activePaths(actor)) this.add(this.states[m]!, path);
  }

  /** Adds `value`, journalled; false when it was there already. */
  private add<T>(set: Set<T>, value: T): boolean {
    if (set.has(value)) return false;
    set.add(value);
    this.journal?.push(() => set.delete(value));
    return true;
  }

  /** The set under `key`, made (journalled) when missing. */
  private setIn<K, T>(map: Map<K, Set<T>>, key: K): Set<T> {
    let set = map.get(key);
    if (!set) {
      const made = new Set<T>();
      map.set(key, made);
      this.journal?.push(() => map.delete(key));
      set = made;
    }
    return set;
  }

  private transitionCells(m: number, before: ActorState, event: EventObject): void {
    const machine = MACHINES[m]!;
    const taken = machine.getTransitionData(before.snapshot as never, event as never);
    for (const transition of taken) {
      this.add(this.transitions[m]!, `${statePath(transition.source)} × ${transition.eventType}`);
    }
  }
}
