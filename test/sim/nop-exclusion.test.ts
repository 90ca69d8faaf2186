import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { runRandom } from '../../sim/run/random.ts';
import { replayLenient } from '../../sim/run/replay.ts';
import { shrinkSteps } from '../../sim/run/shrink.ts';
import { isFault } from '../../sim/steps.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';
import { MemorySink } from '../../sim/trace/writer.ts';

describe('nop', () => {
  it('breaks write exclusion with no faults at all, shrunk to at most 20 steps', async () => {
    const nop = await resolveSimDriver('nop');
    // Most seeds break it within 2,000 steps (a seed whose swarm favours destroys may not).
    let broken = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const sink = new MemorySink();
      const run = runRandom({ driver: nop, seed, steps: 2000, faults: [], sink, invariants: ['S3'] });
      if (!run.violation) continue;
      broken++;
      expect(run.violation.invariant).toBe('S3');
      const header = sink.records[0] as TraceHeader;
      const steps = sink.records.flatMap((r) => (r.type === 'step' ? [r.step] : []));
      const shrunk = shrinkSteps(header, nop, steps, run.violation!);
      // Two boots on two hosts take 8 steps; a run whose first double writer came through a
      // migration keeps it (18 steps): delta debugging removes steps, it never re-plans.
      expect(shrunk.steps.length).toBeLessThanOrEqual(20);
      expect(shrunk.steps.filter(isFault)).toEqual([]);
      expect(shrunk.violation.invariant).toBe('S3');
      // The shrunk run really breaks it again, and no step of it is superfluous.
      expect(replayLenient(header, nop, shrunk.steps).violation?.invariant).toBe('S3');
      for (let i = 0; i < shrunk.steps.length; i++) {
        const without = shrunk.steps.filter((_, j) => j !== i);
        expect(replayLenient(header, nop, without, { invariants: ['S3'] }).violation).toBeNull();
      }
    }
    expect(broken).toBeGreaterThanOrEqual(7);
  });
});
