/** `docs/rfc-design.md`'s verdict table, recomputed with the matrix's budget (40 × 2,000). */
import { describe } from 'vitest';
import { recomputeEveryCell } from '../helpers/rfc-design-table.ts';

describe('docs/rfc-design.md at the matrix budget', () => {
  recomputeEveryCell({ seeds: 40, steps: 2000 });
});
