/**
 * The `model` row of the safety matrix, exhaustively (fast tier): each fault class alone on
 * 2 hosts × 2 VMs × 2 disks with a fault budget of 2 and a workload budget of 3, explored to
 * exhaustion, gives the verdict random mode gives for the same cell. The full sweep with the
 * matrix's own bounds (workload 4) is in `test/slow/explorer-matrix.test.ts` and the bench.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCell, type Column } from '../../matrix/cell.ts';
import { ALL_COLUMNS } from '../../matrix/matrix.ts';

const shape = { hosts: 2, vms: 2, disks: 2 };

const exhaustively = (fault: Column) => runCell({ driver: 'model', fault, seeds: 0, steps: 0,
  firstSeed: 1, traceDir: null, exhaustive: { shape, faultBudget: 2, workload: 3 } });

describe('model × every fault class, exhaustively on a small world', () => {
  let calm = 0;
  beforeAll(async () => {
    calm = (await exhaustively('none')).states!;
  });

  for (const fault of ALL_COLUMNS as readonly Column[]) {
    it(`model × ${fault}: the exhaustive verdict is random mode's`, async () => {
      const exhaustive = await exhaustively(fault);
      const random0 = fault === 'none' ? null : await runCell({ driver: 'model', fault, seeds: 1,
        steps: 10, firstSeed: 1, shape, traceDir: null, shrink: false });
      if (random0?.verdict === 'n/a') {
        // A class that strikes only a lock service on the virtual clock: n/a both ways.
        expect(exhaustive.verdict).toBe('n/a');
        return;
      }
      expect(exhaustive.exhausted || exhaustive.verdict === 'violated').toBe(true);
      const random = await runCell({ driver: 'model', fault, seeds: 10, steps: 1200, firstSeed: 1,
        shape, traceDir: null, shrink: false });
      expect(exhaustive.verdict, exhaustive.message ?? random.message).toBe(random.verdict);
      // Runs without a fault are runs of every column: a safe column has at least as many states.
      if (exhaustive.verdict === 'safe') expect(exhaustive.states).toBeGreaterThanOrEqual(calm);
      else expect(exhaustive.shrunk).toBeLessThanOrEqual(12);
    });
  }
});
