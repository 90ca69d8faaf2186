/**
 * `release-fails`: a release fails after some of its resources were released, as far as the
 * driver's outcome set admits.
 */
import type { FaultClass } from './class.ts';
import { failingCompletions } from './outcome-faults.ts';

export const releaseFails: FaultClass = {
  name: 'release-fails',
  summary: 'a release fails after some of its resources were released (as the outcome set admits)',
  history: 'seed: failed release left undefined; §6 #9 (pause with failed release)',
  enabled: (ctx, world, out) => failingCompletions(ctx, world, 'release-fails', out),
};
