/**
 * The conformance suite (conformance/) on the built-in drivers: `model` passes every
 * check, with direct leases and with a file lockspace; `nop` fails exactly the checks that need
 * a lock to exist, and must never pass an exclusion check.
 */
import { describe, expect, it } from 'vitest';
import { serviceHarness } from '../../conformance/harnesses/model.ts';
import { CHECKS } from '../../conformance/checks.ts';
import { formatResults, runCheck, runConformance } from '../../conformance/run.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import { createNopDriver } from '../../drivers/nop/driver.ts';
import { createServiceDriver } from '../../drivers/service-driver.ts';
import { findCanary } from '../../sim/canaries/canaries.ts';

const LOCKSPACE = { file_lockspace_dir: '/var/lib/libvirt/lockd/files' };

/** nop accepts everything, so every check that expects a refusal fails. */
const NOP_FAILS = [
  'exclusive-excludes-exclusive',
  'exclusive-excludes-shared',
  'shared-excludes-exclusive',
  'same-owner-exclusive-twice',
  'release-by-non-owner',
  'restricted-connection-changes-nothing',
  'release-unheld-fails',
  'failed-acquire-matches-declared-outcomes',
];

describe('the conformance suite', () => {
  it('names every check uniquely', () => {
    expect(new Set(CHECKS.map((check) => check.id)).size).toBe(CHECKS.length);
  });

  describe.each([
    ['direct leases', {}],
    ['file_lockspace_dir', LOCKSPACE],
  ])('on the model driver with %s', (_label, config) => {
    it.each(CHECKS.map((check) => [check.id, check] as const))('passes %s', async (_id, check) => {
      const result = await runCheck(serviceHarness(() => createModelDriver(), config), check);
      // In memory there is no file to reach by a second spelling.
      const expected = check.id === 'alias-spellings-exclude' ? 'n/a' : 'pass';
      expect(result.verdict, result.detail).toBe(expected);
    });
  });

  describe('on the nop driver', () => {
    const results = runConformance(serviceHarness(() => createNopDriver()));

    it('fails exactly the checks that need a lock to exist', async () => {
      const failed = (await results).filter((r) => r.verdict === 'fail').map((r) => r.id);
      expect(failed).toEqual(NOP_FAILS);
    });

    it('fails every exclusion check, because the second owner is never refused', async () => {
      // (the alias check needs real files: not applicable in memory)
      const exclusion = (await results).filter((r) => r.category === 'exclusion' &&
        r.verdict !== 'n/a');
      expect(exclusion.length).toBeGreaterThan(0);
      for (const result of exclusion) {
        expect(result.verdict).toBe('fail');
        expect(result.detail).toMatch(/but it succeeded$/);
      }
    });

    it('passes the lifecycle checks, which only need calls to succeed', async () => {
      const lifecycle = (await results).filter((r) => r.category === 'lifecycle');
      expect(lifecycle.map((r) => r.verdict)).toEqual(lifecycle.map(() => 'pass'));
    });

    it('reports each failure on its own line, with what happened', async () => {
      const lines = formatResults(await results).split('\n');
      expect(lines).toHaveLength(CHECKS.length);
      expect(lines.filter((line) => line.startsWith('FAIL'))).toHaveLength(NOP_FAILS.length);
      expect(lines.find((line) => line.includes('exclusive-excludes-exclusive')))
        .toContain('B exclusive while A holds it: expected RESOURCE_BUSY, but it succeeded');
    });
  });

  describe('on drivers whose failures leave more than they declare', () => {
    const run = (name: string, id: string) => runCheck(serviceHarness(() =>
      createServiceDriver(findCanary(name)!.model)), CHECKS.find((check) => check.id === id)!);

    it("fails one that declares 'all-or-nothing' and keeps one of two resources", async () => {
      const result = await run('canary-all-or-nothing-keeps-prefix',
        'failed-acquire-matches-declared-outcomes');
      expect(result.verdict).toBe('fail');
      expect(result.detail).toBe("B's acquire of x, y failed (y is A's), but it affected " +
        "resource #0 of 2, which 'all-or-nothing' does not admit (a failure affects none or all)");
    });

    it("fails one that declares 'nothing' and releases what came before the failure", async () => {
      const result = await run('canary-nothing-keeps-prefix',
        'failed-release-matches-declared-outcomes');
      expect(result.verdict).toBe('fail');
      expect(result.detail).toMatch(/affected resource #0 of 3, which 'nothing' does not admit/);
    });
  });
});
