/**
 * A plain breadth-first search for tests: the same successors as the explorer, deduplicated by
 * the plain key of `sim/world/fields.ts` plus the budgets used plus the orders the explorer normalises
 * (processes, calls across hosts) — no fingerprints, no canonical form, no dominance, and no
 * reliance on the arguments that those orders do not matter. Slow, simple, and independent of
 * the code it checks. Returns the plain keys of the worlds reached.
 */
import type { FaultName } from '../../sim/faults/index.ts';
import { isFault } from '../../sim/steps.ts';
import { successorSteps } from '../../sim/explorer/successors.ts';
import { isWorkload } from '../../sim/steps/index.ts';
import { applyStep } from '../../sim/world/apply.ts';
import type { SimContext } from '../../sim/world/context.ts';
import type { World } from '../../sim/world/types.ts';
import { plainKey as worldKey } from '../../sim/world/fields.ts';

/** The orders of processes and of calls in flight, as the world has them. */
function orders(world: World): string {
  return `${world.procs.map((p) => `${p.vm}@${p.host}`).join(',')}/` +
    `${world.pending.map((c) => `${c.vm}@${c.host}:${c.invoke}`).join(',')}`;
}

export function plainReachable(ctx: SimContext, root: World, faults: readonly FaultName[],
  faultBudget: number, workload: number): Set<string> {
  const enabled = new Set(faults);
  const seen = new Set<string>();
  const worlds = new Set<string>();
  let frontier: [World, number][] = [[root, 0]];
  worlds.add(worldKey(ctx.model, root));
  while (frontier.length > 0) {
    const next: [World, number][] = [];
    for (const [world, work] of frontier) {
      for (const step of successorSteps(ctx, world, enabled)) {
        if (isFault(step) && world.faults >= faultBudget) continue;
        const used = work + (isWorkload(step) ? 1 : 0);
        if (used > workload) continue;
        const after = applyStep(ctx, world, step)!.world;
        const key = worldKey(ctx.model, after);
        const exact = `${key}|${used}|${after.faults}|${orders(after)}`;
        if (seen.has(exact)) continue;
        seen.add(exact);
        worlds.add(key);
        next.push([after, used]);
      }
    }
    frontier = next;
  }
  return worlds;
}
