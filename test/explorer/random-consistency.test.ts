/**
 * The two engines agree. On small worlds: every violation random mode finds, the explorer finds
 * too — with the budgets the shrunk trace uses and in the same world — and no longer than the
 * shrunk trace; and every state a random run passes through within the budgets is among the
 * states the explorer stored.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { Explorer, explore } from '../../sim/explorer/explore.ts';
import { isWorkload } from '../../sim/steps/index.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { runRandom } from '../../sim/run/random.ts';
import { shrinkSteps } from '../../sim/run/shrink.ts';
import { isFault, type Step } from '../../sim/steps.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';
import { MemorySink } from '../../sim/trace/writer.ts';
import { applyStep } from '../../sim/world/apply.ts';

const shape = { hosts: 2, vms: 2, disks: 2 };

function recorded(sink: MemorySink): { header: TraceHeader; steps: Step[] } {
  return {
    header: sink.records[0] as TraceHeader,
    steps: sink.records.flatMap((r) => (r.type === 'step' ? [r.step] : [])),
  };
}

describe('random mode and the explorer agree', () => {
  const violating: readonly FaultName[] = ['daemon-crash', 'external-resume', 'path-alias'];
  for (const fault of violating) {
    it(`model × ${fault}: the explorer finds random mode's violation, no longer`, async () => {
      const model = await resolveSimDriver('model');
      let compared = 0;
      for (let seed = 1; seed <= 30 && compared < 2; seed++) {
        const sink = new MemorySink();
        const run = runRandom({ driver: model, seed, steps: 600, faults: [fault], sink, shape,
          noHeal: true });
        if (!run.violation) continue;
        compared++;
        const { header, steps } = recorded(sink);
        const shrunk = shrinkSteps(header, model, steps, run.violation);
        const invariant = shrunk.violation.invariant;
        const found = explore({ driver: model, shape, faults: [fault], definitions: run.definitions,
          faultBudget: shrunk.steps.filter(isFault).length,
          workload: shrunk.steps.filter(isWorkload).length, invariants: [invariant],
          coverage: false });
        expect(found.violation?.violation.invariant).toBe(invariant);
        expect(found.violation!.steps.length).toBeLessThanOrEqual(shrunk.steps.length);
      }
      expect(compared).toBe(2);
    });
  }

  it('every state a random run visits within the budgets is an explored state', async () => {
    const model = await resolveSimDriver('model');
    const faults: FaultName[] = ['libvirtd-restart', 'daemon-reexec', 'acquire-fails',
      'process-crash', 'daemon-crash'];
    const budgets = { faultBudget: 1, workload: 3 };
    let checked = 0;
    for (let seed = 1; seed <= 30 && checked <= 60; seed++) {
      const sink = new MemorySink();
      const run = runRandom({ driver: model, seed, steps: 300, faults, sink, shape, noHeal: true,
        invariants: [] });
      const explorer = new Explorer({ driver: model, shape, faults, ...budgets, invariants: [],
        definitions: run.definitions, coverage: false });
      expect(explorer.run().exhausted).toBe(true);
      let world = explorer.root;
      let work = 0;
      for (const step of recorded(sink).steps) {
        work += isWorkload(step) ? 1 : 0;
        world = applyStep(explorer.ctx, world, step)!.world;
        if (work > budgets.workload || world.faults > budgets.faultBudget) break;
        expect(explorer.contains(world)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });
});
