/**
 * Timeline labels and colours for statechart configurations, and the interning of
 * configurations the page lights up in its statechart panel. A configuration is keyed by its
 * state value only: contexts do not change which states are drawn as active.
 */
import type { ActorState } from '../../machines/interned.ts';
import { activePaths } from '../active.ts';
import { Interner } from './encode.ts';
import type { ChartState } from './model.ts';

/** `active.vcpus.running` → `running`; idle regions and machine prefixes are left out. */
export function domainLabel(leaves: readonly string[]): string {
  const parts: string[] = [];
  for (const leaf of leaves) {
    const [top, ...rest] = leaf.split('.');
    const last = rest[rest.length - 1] ?? top!;
    if (last === 'idle') continue;
    if (top === 'outgoing') parts.push(`out:${last}`);
    else if (top === 'incoming') parts.push(`in:${last}`);
    else parts.push(last);
  }
  return parts.join('+') || leaves.join('+');
}

/** The colour family of a domain configuration. */
export function domainTone(leaves: readonly string[]): string {
  const first = leaves[0] ?? '';
  if (first === 'shutoff' || first === 'defined') return 'off';
  if (first.startsWith('outgoing') || first.startsWith('incoming')) return 'migrate';
  if (first === 'active.vcpus.running') return leaves.length > 1 &&
    !leaves[1]!.endsWith('.idle') ? 'busy' : 'run';
  if (first === 'active.vcpus.paused') return 'pause';
  return 'busy';
}

/** The colour family of a QEMU process state. */
export function processTone(leaves: readonly string[]): string {
  const leaf = leaves[0] ?? '';
  if (leaf === 'alive.running') return 'run';
  if (leaf === 'alive.paused') return 'pause';
  if (leaf === 'alive.starting' || leaf === 'notStarted') return 'busy';
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
