/**
 * Timeline labels and colours for statechart configurations, and the interning of
 * configurations the page lights up in its statechart panel. A configuration is keyed by its
 * state value only: contexts do not change which states are drawn as active.
 */
import type { ActorState } from '../../machines/interned.ts';
import { DomainIn, ProcessIn } from '../../machines/states.ts';
import { activePaths } from '../active.ts';
import { Interner } from './encode.ts';
import type { ChartState } from './model.ts';

/** `active.vcpus.running` → `running`; idle regions and machine prefixes are left out. */
export function domainLabel(leaves: readonly string[]): string {
  const parts: string[] = [];
  for (const leaf of leaves) {
    const [top, ...rest] = leaf.split('.');
    const last = rest[rest.length - 1] ?? top!;
    if (DomainIn.devicesIdle.leaves([leaf])) continue;
    if (DomainIn.outgoing.leaves([leaf])) parts.push(`out:${last}`);
    else if (DomainIn.incoming.leaves([leaf])) parts.push(`in:${last}`);
    else parts.push(last);
  }
  return parts.join('+') || leaves.join('+');
}

/** The colour family of a domain configuration. */
export function domainTone(leaves: readonly string[]): string {
  if (DomainIn.shutoff.leaves(leaves) || DomainIn.defined.leaves(leaves)) return 'off';
  if (DomainIn.outgoing.leaves(leaves) || DomainIn.incoming.leaves(leaves)) return 'migrate';
  if (DomainIn.vcpusRunning.leaves(leaves)) return DomainIn.devicesIdle.leaves(leaves) ? 'run' : 'busy';
  if (DomainIn.vcpusPaused.leaves(leaves)) return 'pause';
  return 'busy';
}

/** The colour family of a QEMU process state. */
export function processTone(leaves: readonly string[]): string {
  if (ProcessIn.running.leaves(leaves)) return 'run';
  if (ProcessIn.paused.leaves(leaves)) return 'pause';
  if (ProcessIn.starting.leaves(leaves) || ProcessIn.notStarted.leaves(leaves)) return 'busy';
  return 'dead';
}

/** Interns the configurations of one machine, keyed by the actor's state value. */
export class ChartStates {
  private readonly interner = new Interner<ChartState>();
  private readonly byActor = new WeakMap<ActorState, number>();

  constructor(
    private readonly describe: (leaves: readonly string[]) => Omit<ChartState, 'paths'>,
  ) {}

  get items(): readonly ChartState[] {
    return this.interner.items;
  }

  /** The index of an actor's configuration (cached per interned actor state). */
  of(state: ActorState): number {
    let at = this.byActor.get(state);
    if (at === undefined) {
      const value = state.snapshot.value;
      at = this.interner.add({ paths: activePaths(value), ...this.describe(state.leaves) },
        JSON.stringify(value));
      this.byActor.set(state, at);
    }
    return at;
  }
}

/** A fresh table of domain configurations (one per report). */
export const domainStates = () => new ChartStates((leaves) =>
  ({ label: domainLabel(leaves), tone: domainTone(leaves) }));

/** A fresh table of QEMU process configurations (one per report). */
export const processStates = () => new ChartStates((leaves) =>
  ({ label: (leaves[0] ?? '').replace(/^alive\./, ''), tone: processTone(leaves) }));
