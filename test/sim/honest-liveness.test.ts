/**
 * Honest liveness: virtlockd's known leak (a grant made to a pid already dead, S7d) is told apart
 * from a grant that outlived its owner (S7), and the known finding never masks a new one — in a
 * single run, in the explorer, in the matrix's and sweeps' choice of finding, and in shrink.
 */
import { describe, expect, it } from 'vitest';
import { isKnown, preferNew } from '../../sim/checkers/index.ts';
import { Explorer } from '../../sim/explorer/explore.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { runRandom } from '../../sim/run/random.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const SHAPE = { hosts: 2, vms: 2, disks: 2 };

/** One VM leaks the known way (destroyed while its acquire is in flight), the other crashes. */
const BOTH = (driver: string) => [
  `driver ${driver}`, 'hosts 1', 'disks 2', 'vm web disk0:exclusive', 'vm db disk1:exclusive',
  'expect liveness S7',
  'start web@h0', 'complete web@h0 registerOwner', 'destroy web@h0', 'exit web@h0',
  'complete web@h0 acquireLocks',
  'start db@h0', 'complete db@h0 registerOwner', 'complete db@h0 acquireLocks',
  'fault process-crash db@h0',
].join('\n');

describe('honest liveness', () => {
  it('S7d is the known finding, S7 is not', () => {
    expect(isKnown('S7d')).toBe(true);
    expect(isKnown('S7')).toBe(false);
    const known = { invariant: 'S7d', seed: 1 };
    const fresh = { invariant: 'S7', seed: 9 };
    expect(preferNew(known, fresh)).toBe(fresh);
    expect(preferNew(fresh, known)).toBe(fresh);
    expect(preferNew(null, known)).toBe(known);
  });

  it('a run with both leaks reports the new one; the model shows only the known one', async () => {
    const canary = await runScenario(parseScenario(BOTH('canary-no-release-on-exit'), 'both'));
    expect(canary.passed, canary.message).toBe(true);
    const model = await runScenario(parseScenario(BOTH('model').replace('expect liveness S7',
      'expect liveness S7d'), 'known'));
    expect(model.passed, model.message).toBe(true);
  });

  it("a grant made after the owner's connection closed is orphaned at birth (S7d); under a " +
    'model that watches pids it is released', async () => {
    // The connection closes while web holds nothing; libvirtd's acquire then takes disk1 and
    // fails on disk0 (db holds it); the failed start kills web.
    const script = (driver: string, expectation: string) => [
      `driver ${driver}`, 'hosts 1', 'disks 2', 'vm db disk0:exclusive',
      'vm web disk1:shared disk0:exclusive', expectation,
      'start db@h0', 'complete db@h0 registerOwner', 'complete db@h0 acquireLocks',
      'start web@h0', 'complete web@h0 registerOwner', 'fault connection-drop web@h0',
      'complete web@h0 acquireLocks',
    ].join('\n');
    const known = await runScenario(parseScenario(script('model', 'expect liveness S7d'), 'drop'));
    expect(known.passed, known.message).toBe(true);
    const watched = await runScenario(parseScenario(script('model-kernel', 'expect safe'), 'kernel'));
    expect(watched.passed, watched.message).toBe(true);
  });

  it('the explorer finds the new leak past the known one', async () => {
    const explore = async (name: string) => {
      const driver = await resolveSimDriver(name);
      return new Explorer({ driver, shape: SHAPE, faults: ['process-crash'], faultBudget: 1,
        workload: 3, coverage: false }).run().liveness?.violation.invariant;
    };
    expect(await explore('model')).toBe('S7d');
    expect(await explore('canary-no-release-on-exit')).toBe('S7');
  });

  it("random runs of the model find only the known leak, never S7", async () => {
    const model = await resolveSimDriver('model');
    const found = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const run = runRandom({ driver: model, seed, steps: 500, faults: ['process-crash', 'process-kill'] });
      expect(run.violation).toBeNull();
      if (run.liveness) found.add(run.liveness.invariant);
    }
    expect([...found]).toEqual(['S7d']);
  });
});
