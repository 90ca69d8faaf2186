/**
 * `storage-stall` and `storage-eio`: the host's lease storage hangs, or fails with EIO. Renewals
 * stop, the daemon fails the lease at id_renewal_fail_seconds and kills its holders (SIGTERM,
 * SIGKILL after the grace); the leases stay owned on disk, so no other host gets them before
 * host_dead_seconds; lease calls on the host fail meanwhile. Reference sanlock.md §6 measured,
 * with io_timeout 1 and -g 3: a hung I/O SIGTERMs at +5.8 s and SIGKILLs at +8.8 s; EIO SIGTERMs
 * at +7.4 s, death at +10.3 s.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import { INVARIANT_IDS } from '../../sim/checkers/index.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';
import { describeStep, readStep } from '../../sim/steps/index.ts';

describe.each(['storage-stall', 'storage-eio'] as const)('%s', (fault) => {
  it('is a fault class like the others: listed, read, described', () => {
    expect(FAULT_NAMES).toContain(fault);
    expect(describeStep(readStep({ kind: 'fault', fault, host: 0, ms: null })))
      .toBe(`FAULT ${fault} h0 for good`);
    expect(describeStep(readStep({ kind: 'fault', fault, host: 0, ms: 30_000 })))
      .toBe(`FAULT ${fault} h0 for 30 s`);
  });

  it('fails lease calls on the host while it lasts, and they work again after it', async () => {
    const lines = ['driver lease', 'config io_timeout=1', 'hosts 1', 'disks 1',
      'vm web disk0:exclusive', 'expect safe', `fault ${fault} h0 4s`,
      'start web@h0', 'complete web@h0 registerOwner', 'complete web@h0 acquireLocks'];
    const during = await runScenario(parseScenario([...lines, 'assert free disk0'].join('\n'), 'during.scenario'));
    expect(during.passed, during.message).toBe(true);
    const after = await runScenario(parseScenario([...lines.slice(0, 7), 'time 5s', ...lines.slice(7),
      'assert held web@h0 disk0'].join('\n'), 'after.scenario'));
    expect(after.passed, after.message).toBe(true);
  });

  it('is safe in the lease row, and in the row without a watchdog; n/a for an untimed driver', async () => {
    const cell = { fault, seeds: 4, steps: 1000, firstSeed: 1, traceDir: null };
    expect((await runCell({ ...cell, driver: 'lease' })).verdict).toBe('safe');
    // model-sanlock ignores lease versions as libvirt does (§6 #12): S9 there is the lver
    // scenarios' subject, not this fault's, so every other invariant is judged.
    const invariants = INVARIANT_IDS.filter((id) => id !== 'S9');
    expect((await runCell({ ...cell, driver: 'model-sanlock', invariants })).verdict).toBe('safe');
    expect((await runCell({ ...cell, driver: 'model' })).verdict).toBe('n/a');
  });
});

describe('storage-stall', () => {
  it('SIGTERMs the holder once the lease failed; the lease stays owned on disk', async () => {
    const scenario = ['driver lease', 'config io_timeout=1', 'hosts 2', 'disks 1',
      'vm web disk0:exclusive', 'vm copy disk0:exclusive', 'expect safe',
      'start web@h0', 'complete web@h0 registerOwner', 'complete web@h0 acquireLocks',
      'fault storage-stall h0 forever', 'time 9s', 'exit web@h0', 'assert process web@h0 dead',
      'start copy@h1', 'complete copy@h1 registerOwner', 'complete copy@h1 acquireLocks',
      'timer copy@h1 killGraceMs', 'assert process copy@h1 dead'];
    const result = await runScenario(parseScenario(scenario.join('\n'), 'stall.scenario'));
    expect(result.passed, result.message).toBe(true);
  });
});

describe('storage-eio', () => {
  it('kills a holder that ignores SIGTERM after the grace (§6 #16 scenario)', async () => {
    const result = await runScenario(loadScenario('scenarios/sanlock-helper-fails-sigkill.scenario'));
    expect(result.passed, result.message).toBe(true);
  });
});
