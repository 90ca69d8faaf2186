/**
 * `storage-eio`: the host's lease storage fails with EIO. Renewals stop, the daemon fails the
 * lease at id_renewal_fail_seconds and kills its holders (SIGTERM, SIGKILL after the grace); the
 * leases stay owned on disk, so no other host gets them before host_dead_seconds. Reference
 * sanlock.md §6 measured SIGTERM at +7.4 s and death at +10.3 s with io_timeout 1 and -g 3.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import { INVARIANT_IDS } from '../../sim/checkers/index.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';
import { describeStep, readStep } from '../../sim/steps/index.ts';

describe('storage-eio', () => {
  it('is a fault class like the others: listed, read, described', () => {
    expect(FAULT_NAMES).toContain('storage-eio');
    expect(describeStep(readStep({ kind: 'fault', fault: 'storage-eio', host: 0, ms: null })))
      .toBe('FAULT storage-eio h0 for good');
    expect(describeStep(readStep({ kind: 'fault', fault: 'storage-eio', host: 0, ms: 30_000 })))
      .toBe('FAULT storage-eio h0 for 30 s');
  });

  it('kills a holder that ignores SIGTERM after the grace (§6 #16 scenario)', async () => {
    const result = await runScenario(loadScenario('scenarios/sanlock-helper-fails-sigkill.scenario'));
    expect(result.passed, result.message).toBe(true);
  });

  it('fails lease calls on the host while it lasts, and they work again after it', async () => {
    const lines = ['driver lease', 'config io_timeout=1', 'hosts 1', 'disks 1',
      'vm web disk0:exclusive', 'expect safe', 'fault storage-eio h0 4s',
      'start web@h0', 'complete web@h0 registerOwner', 'complete web@h0 acquireLocks'];
    const during = await runScenario(parseScenario([...lines, 'assert free disk0'].join('\n'), 'eio.scenario'));
    expect(during.passed, during.message).toBe(true);
    const after = await runScenario(parseScenario([...lines.slice(0, 7), 'time 5s', ...lines.slice(7),
      'assert held web@h0 disk0'].join('\n'), 'eio-after.scenario'));
    expect(after.passed, after.message).toBe(true);
  });

  it('is safe in the lease row, and in the row without a watchdog; n/a for an untimed driver', async () => {
    const cell = { fault: 'storage-eio' as const, seeds: 4, steps: 1000, firstSeed: 1, traceDir: null };
    expect((await runCell({ ...cell, driver: 'lease' })).verdict).toBe('safe');
    // model-sanlock ignores lease versions as libvirt does (§6 #12): S9 there is the lver
    // scenarios' subject, not this fault's, so every other invariant is judged.
    const invariants = INVARIANT_IDS.filter((id) => id !== 'S9');
    expect((await runCell({ ...cell, driver: 'model-sanlock', invariants })).verdict).toBe('safe');
    expect((await runCell({ ...cell, driver: 'model' })).verdict).toBe('n/a');
  });
});
