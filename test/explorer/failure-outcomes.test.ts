/**
 * The outcome sets a driver declares decide which failures are explored, through the one
 * admissibility function: a driver that declares `any-subset` is explored on every subset of a
 * call's resources — a failed acquire of disks 0, 1, 2 that left exactly 0 and 2 held included —
 * where `prefix` offers only the prefixes.
 */
import { describe, expect, it } from 'vitest';
import { admissibleSubsets } from '../../contract/outcomes.ts';
import { lockdModel } from '../../drivers/model/lockd-model.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { diskGrants } from '../../sim/checkers/grants.ts';
import type { SimDriver } from '../../sim/resolve-driver.ts';
import { explore } from '../../sim/explorer/explore.ts';
import { successorSteps } from '../../sim/explorer/successors.ts';
import { applyStep } from '../../sim/world/apply.ts';
import { createContext } from '../../sim/world/context.ts';
import { createWorld } from '../../sim/world/setup.ts';
import { use } from '../../sim/world/shape.ts';
import type { World } from '../../sim/world/types.ts';

const SHAPE = { hosts: 1, vms: 1, disks: 3 };

function declaring(acquire: 'prefix' | 'any-subset'): SimDriver {
  const model = { ...lockdModel, name: `lockd-${acquire}`,
    failure: { ...lockdModel.failure, acquire } } as LockServiceModel<unknown>;
  return { name: model.name, model, config: {} };
}

function setup(driver: SimDriver) {
  const ctx = createContext(driver.model, SHAPE, driver.config);
  const definitions = [{ name: 'vm0', spares: [],
    disks: [0, 1, 2].map((disk) => use(ctx.storage, disk, 'exclusive')) }];
  return { ctx, definitions };
}

/** The world where vm0's start-up acquire of its three disks is in flight. */
function acquiring(driver: SimDriver): { ctx: ReturnType<typeof setup>['ctx']; world: World } {
  const { ctx, definitions } = setup(driver);
  let world = createWorld(ctx, definitions);
  for (const step of [
    { kind: 'call', vm: 0, host: 0, call: 'start' },
    { kind: 'complete', vm: 0, host: 0, invoke: 'registerOwner', outcome: { type: 'ok' } },
  ] as const) world = applyStep(ctx, world, step)!.world;
  expect(world.pending.map((call) => call.invoke)).toEqual(['acquireLocks']);
  return { ctx, world };
}

const held = (ctx: ReturnType<typeof setup>['ctx'], world: World) =>
  diskGrants(ctx, world.service).map((grant) => grant.disk).sort().join(',');

describe('failure outcomes come from the declared outcome set', () => {
  it('admits every subset for any-subset, the prefixes for prefix', () => {
    expect(admissibleSubsets('any-subset', 3)).toHaveLength(8);
    expect(admissibleSubsets('prefix', 3)).toEqual([0b000, 0b001, 0b011, 0b111]);
    expect(admissibleSubsets('all-or-nothing', 3)).toEqual([0, 0b111]);
    expect(admissibleSubsets('nothing', 3)).toEqual([0]);
  });

  it.each([['any-subset', 8], ['prefix', 4]] as const)(
    'offers a failed three-disk acquire %s outcomes: %i', (set, count) => {
      const { ctx, world } = acquiring(declaring(set));
      const failures = successorSteps(ctx, world, new Set(['acquire-fails', 'partial-acquire']))
        .filter((step) => step.kind === 'complete' && step.outcome.type === 'fail');
      expect(failures).toHaveLength(count);
      const left = failures.map((step) => held(ctx, applyStep(ctx, world, step)!.world));
      expect(new Set(left).size).toBe(count);
      expect(left.includes('0,2')).toBe(set === 'any-subset');
    });

  it.each(['any-subset', 'prefix'] as const)(
    'explores (%s) the failed acquire that left exactly disks 0 and 2 held only when admitted',
    (set) => {
      const driver = declaring(set);
      const { definitions } = setup(driver);
      const reached = new Set<string>();
      const result = explore({ driver, shape: SHAPE, definitions, symmetry: false,
        faults: ['acquire-fails', 'partial-acquire'], faultBudget: 1, workload: 1, invariants: [],
        onState: (world) => reached.add(held(createContext(driver.model, SHAPE), world)) });
      expect(result.exhausted).toBe(true);
      expect(reached.has('0,2')).toBe(set === 'any-subset');
      expect(reached.has('0,1')).toBe(true);
    });

  it('injects, in random mode too, only outcomes the driver admits', () => {
    const { ctx, world } = acquiring(declaring('prefix'));
    const subset = { kind: 'complete', vm: 0, host: 0, invoke: 'acquireLocks',
      outcome: { type: 'fail', fault: 'partial-acquire', effect: [0, 2] } } as const;
    expect(applyStep(ctx, world, subset)).toBeNull();
    const anySubset = acquiring(declaring('any-subset'));
    expect(held(anySubset.ctx, applyStep(anySubset.ctx, anySubset.world, subset)!.world)).toBe('0,2');
  });
});
