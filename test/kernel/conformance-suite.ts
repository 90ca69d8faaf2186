/**
 * One `it` per conformance check for a kernel-lock driver, with real files and real owner
 * processes (`conformance/harnesses/kernel.ts`); each check also proves that none of the
 * processes it started is left behind.
 */
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../conformance/checks.ts';
import { runCheck } from '../../conformance/run.ts';
import { kernelHarness } from '../../conformance/harnesses/kernel.ts';
import { processCensus } from './helpers.ts';

/** Kernel locks have no owner connection of their own to restrict. */
const NOT_APPLICABLE = new Set(['restricted-connection-changes-nothing']);

export function conformanceSuite(kind: 'ofd' | 'posix', indirect: boolean): void {
  describe(`${kind} driver, ${indirect ? 'indirect (lockspace)' : 'direct'} mode`, () => {
    it.each(CHECKS.map((check) => [check.id, check] as const))('%s', async (_id, check) => {
      const census = processCensus();
      const result = await runCheck(kernelHarness(kind, { indirect }), check);
      expect(result.verdict, result.detail).toBe(NOT_APPLICABLE.has(check.id) ? 'n/a' : 'pass');
      expect(census.fresh(), 'owner processes left behind').toEqual([]);
    });
  });
}
