/**
 * `partial-acquire`: a multi-resource acquire fails midway; the resources it took stay taken (no
 * rollback) — any proper, non-empty subset the driver's outcome set admits.
 */
import type { FaultClass } from './class.ts';
import { failingCompletions } from './outcome-faults.ts';

export const partialAcquire: FaultClass = {
  name: 'partial-acquire',
  summary: 'a multi-resource acquire fails midway; earlier resources stay taken (no rollback)',
  history: '§6 #6, #7',
  enabled: (ctx, world, out) => failingCompletions(ctx, world, 'partial-acquire', out),
};
