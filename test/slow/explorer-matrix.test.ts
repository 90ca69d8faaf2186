/**
 * The `model` row of the safety matrix explored exhaustively with the matrix's own bounds
 * (`EXHAUSTIVE_DEFAULTS`: 2 hosts × 2 VMs × 2 disks, fault budget 2, workload 4), each fault
 * class alone, against random mode on the matrix's default world and budgets (slow tier: the
 * fast tier runs a smaller workload in test/explorer/model-matrix.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCell, type CellResult, type Column } from '../../matrix/cell.ts';
import { EXHAUSTIVE_DEFAULTS } from '../../matrix/exhaustive.ts';
import { ALL_COLUMNS } from '../../matrix/matrix.ts';

const exhaustively = (fault: Column) => runCell({ driver: 'model', fault, seeds: 0, steps: 0,
  firstSeed: 1, traceDir: null, exhaustive: EXHAUSTIVE_DEFAULTS });

describe('model × every fault class, exhaustively with the matrix bounds', () => {
  let calm: CellResult;
  beforeAll(async () => {
    calm = await exhaustively('none');
  });

  for (const fault of ALL_COLUMNS as readonly Column[]) {
    it(`model × ${fault}: exhausted, and the verdict random mode gives`, async () => {
      const exhaustive = await exhaustively(fault);
      const random = await runCell({ driver: 'model', fault, seeds: 12, steps: 1500, firstSeed: 1,
        traceDir: null, shrink: false });
      expect(exhaustive.verdict, exhaustive.message ?? random.message).toBe(random.verdict);
      if (exhaustive.verdict === 'safe') {
        expect(exhaustive.exhausted).toBe(true);
        expect(exhaustive.states).toBeGreaterThanOrEqual(calm.states!);
      }
    });
  }
});
