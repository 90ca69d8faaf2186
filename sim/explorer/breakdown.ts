/**
 * Where the states are: histograms of the distinct states by the features that make state
 * spaces grow (calls in flight and orphaned, live processes, grants, budgets used), and by
 * depth. Printed so that a state space that is too large says why.
 */
import type { SimContext } from '../world/context.ts';
import type { World } from '../world/types.ts';

/** The features distinct states are counted by. */
export const BREAKDOWN_FEATURES = [
  'depth', 'pending calls', 'orphaned calls', 'live processes', 'grants', 'faults used',
  'workload used',
] as const;

/** One of `BREAKDOWN_FEATURES`. */
export type Feature = (typeof BREAKDOWN_FEATURES)[number];

/** For each feature, the number of distinct states per value (index = value). */
export type Breakdown = Readonly<Record<Feature, readonly number[]>>;

/** Counts each new state under every feature. */
export class BreakdownRecorder {
  private readonly counts = Object.fromEntries(
    BREAKDOWN_FEATURES.map((feature) => [feature, [] as number[]])) as Record<Feature, number[]>;

  constructor(private readonly ctx: SimContext) {}

  add(world: World, depth: number, work: number): void {
    let orphans = 0;
    for (const call of world.pending) if (call.orphan) orphans++;
    this.bump('depth', depth);
    this.bump('pending calls', world.pending.length);
    this.bump('orphaned calls', orphans);
    this.bump('live processes', world.procs.length);
    this.bump('grants', this.ctx.model.grants(world.service).length);
    this.bump('faults used', world.faults);
    this.bump('workload used', work);
  }

  result(): Breakdown {
    return this.counts;
  }

  private bump(feature: Feature, value: number): void {
    const list = this.counts[feature];
    while (list.length <= value) list.push(0);
    list[value]! += 1;
  }
}
