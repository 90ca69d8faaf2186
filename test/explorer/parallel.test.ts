/**
 * The parallel explorer (`sim/explorer/parallel/`) is the sequential one, spread over shards:
 * on the worlds the other explorer tests cover, every count, the verdicts and the
 * counterexamples themselves are equal, with shards in this thread (the same protocol, messages
 * cloned) and on real worker threads. And a counterexample that does not replay on the object
 * world is refused.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { confirmCounterexample, CounterexampleMismatch } from '../../sim/explorer/confirm.ts';
import { explore, Explorer, type ExploreOptions, type ExploreResult } from '../../sim/explorer/explore.ts';
import { balance, exploreParallel, rankKeys, ShardPool } from '../../sim/explorer/parallel/coordinator.ts';
import { FAULT_NAMES, type FaultName } from '../../sim/faults/index.ts';

const shape = { hosts: 2, vms: 2, disks: 2 };

/** Everything a result says, but how the work was shared. */
function comparable(result: ExploreResult) {
  const { parallel: _parallel, bytes: _bytes, ...rest } = result;
  return rest;
}

async function same(options: ExploreOptions, workers: number) {
  const sequential = explore(options);
  const parallel = await exploreParallel({ ...options, workers, inThread: true });
  // Coverage too on violating runs: the shards take back what states after the violation
  // delivered (`Shard.coverUpTo`).
  expect(comparable(parallel)).toEqual(comparable(sequential));
  return { sequential, parallel };
}

describe('the parallel explorer gives the sequential result', () => {
  it('model, every fault class alone (budget 2, workload 2), on 2 shards', async () => {
    const driver = await resolveSimDriver('model');
    let violated = 0;
    for (const fault of FAULT_NAMES) {
      const { sequential } = await same({ driver, shape, faults: [fault], faultBudget: 2,
        workload: 2 }, 2);
      if (sequential.violation) violated++;
    }
    // Violations mid-level are where the shards must stop where the sequential search did.
    expect(violated).toBeGreaterThan(0);
  });

  it('model, every class that is safe at once (budget 1, workload 3), on 3 shards that hand ' +
    'states over', async () => {
    const driver = await resolveSimDriver('model');
    const safe = FAULT_NAMES.filter((fault) => !explore({ driver, shape, faults: [fault],
      faultBudget: 1, workload: 3, coverage: false }).violation);
    const { sequential, parallel } = await same({ driver, shape, faults: safe, faultBudget: 1,
      workload: 3 }, 3);
    expect(sequential.states).toBeGreaterThan(2_000);
    expect(sequential.liveness).not.toBeNull();
    expect(parallel.parallel!.handedOver).toBeGreaterThan(0);
    expect(parallel.parallel!.criticalTransitions).toBeLessThan(sequential.transitions);
  });

  it('nop: shortest violations and their counterexamples, on 2 shards', async () => {
    const driver = await resolveSimDriver('nop');
    for (const faults of [[], ['process-crash']] as FaultName[][]) {
      const { parallel } = await same({ driver, shape, faults, faultBudget: 1, workload: 3 }, 2);
      expect(parallel.violation).not.toBeNull();
    }
  });

  it('without symmetry, and on one shard', async () => {
    const driver = await resolveSimDriver('model');
    await same({ driver, shape, faults: ['daemon-reexec', 'host-crash'], faultBudget: 1,
      workload: 2, symmetry: false }, 2);
    await same({ driver, shape, faults: ['libvirtd-restart'], faultBudget: 1, workload: 3 }, 1);
  });

  it('on real worker threads (one pool, two explorations)', async () => {
    const driver = await resolveSimDriver('model');
    const pool = await ShardPool.open(2);
    try {
      for (const faults of [['process-crash', 'daemon-reexec'], ['path-alias']] as FaultName[][]) {
        const options = { driver, shape, faults, faultBudget: 1, workload: 3 };
        const sequential = explore(options);
        expect(sequential.states).toBeGreaterThan(300);
        expect(comparable(await pool.explore(options))).toEqual(comparable(sequential));
      }
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('the parallel protocol', () => {
  it('ranks the shards\' keys in their merged order', () => {
    const ranks = rankKeys([Float64Array.from([1, 5, 9]), Float64Array.from([2, 3]),
      Float64Array.from([])]);
    expect(ranks.map((part) => [...part])).toEqual([[0, 3, 4], [1, 2], []]);
  });

  it('balances shards above the mean onto those below it', () => {
    const plan = balance([100, 10, 10]);
    expect(plan.give).toEqual([60, 0, 0]);
    expect(plan.moves).toEqual([{ from: 0, to: 1, offset: 0, length: 30 },
      { from: 0, to: 2, offset: 30, length: 30 }]);
    expect(balance([50, 49]).give).toEqual([0, 0]);
  });

  it('refuses a counterexample that does not replay as reported', async () => {
    const driver = await resolveSimDriver('nop');
    const explorer = new Explorer({ driver, shape, faults: [], faultBudget: 0, workload: 3,
      coverage: false });
    const found = explorer.run().violation!;
    expect(() => confirmCounterexample(explorer.ctx, explorer.root, found.steps, found.violation))
      .not.toThrow();
    expect(() => confirmCounterexample(explorer.ctx, explorer.root, found.steps.slice(0, -1),
      found.violation)).toThrow(CounterexampleMismatch);
    expect(() => confirmCounterexample(explorer.ctx, explorer.root, found.steps,
      { ...found.violation, invariant: found.violation.invariant === 'S1' ? 'S3' : 'S1' }))
      .toThrow(CounterexampleMismatch);
  });
});
