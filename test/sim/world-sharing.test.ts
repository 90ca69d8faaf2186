/**
 * What the explorer's speed rests on, held as behaviour: a step shares every part of the world
 * it did not touch, and a lock service call made twice on one state object gives one reply.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { Prng } from '../../sim/prng.ts';
import { applyStep } from '../../sim/world/apply.ts';
import { createContext } from '../../sim/world/context.ts';
import { enabledSteps } from '../../sim/steps/index.ts';
import { memoCall } from '../../sim/world/service-memo.ts';
import { createWorld } from '../../sim/world/setup.ts';
import { plainDefinitions } from '../../sim/world/shape.ts';
import type { World } from '../../sim/world/types.ts';

async function start() {
  const model = await resolveSimDriver('model');
  const shape = { hosts: 2, vms: 2, disks: 2 };
  const ctx = createContext(model.model, shape);
  return { ctx, world: createWorld(ctx, plainDefinitions(shape, ctx.storage)) };
}

const PARTS = ['hosts', 'vms', 'domains', 'procs', 'pending', 'timers', 'disks'] as const;

describe('steps share what they do not change', () => {
  it('an array whose elements a step left alone is the very array of the world before', async () => {
    const { ctx, world: root } = await start();
    const prng = new Prng(7);
    let world: World = root;
    let shared = 0;
    for (let i = 0; i < 300; i++) {
      const steps = enabledSteps(ctx, world, { faults: new Set(['process-crash']) });
      const after = applyStep(ctx, world, prng.pick(steps))!.world;
      for (const part of PARTS) {
        const same = after[part].length === world[part].length &&
          after[part].every((element, index) => element === world[part][index]);
        // Equal elements: the array itself is shared; a changed one: a new array.
        expect(after[part] === world[part], `${part} at step ${i}`).toBe(same);
        if (same) shared++;
      }
      world = after;
    }
    expect(shared).toBeGreaterThan(300); // most parts of most steps are shared
  });
});

describe('memoised service calls', () => {
  it('one reply per state object and call; another call, state or context computes anew', async () => {
    const { ctx, world } = await start();
    const other = createContext(ctx.model, ctx.shape);
    let computed = 0;
    const call = (context: typeof ctx, state: unknown, key: string) =>
      memoCall(context, state, key, () => ({ computed: ++computed }));
    const first = call(ctx, world.service, 'k');
    expect(call(ctx, world.service, 'k')).toBe(first);
    expect(call(ctx, world.service, 'other')).not.toBe(first);
    expect(call(other, world.service, 'k')).not.toBe(first);
    expect(call(ctx, { ...(world.service as object) }, 'k')).not.toBe(first);
    expect(computed).toBe(4);
    const once = createContext(ctx.model, ctx.shape, {}, { revisits: false });
    expect(call(once, world.service, 'k')).not.toBe(call(once, world.service, 'k'));
    expect(computed).toBe(6);
  });
});
