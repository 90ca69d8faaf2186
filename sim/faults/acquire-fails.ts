/**
 * `acquire-fails`: an acquire (or the child's registration) fails with an RPC error after none,
 * or all, of its resources took effect — a lost reply — as far as the driver's outcome set admits.
 */
import type { FaultClass } from './class.ts';
import { failingCompletions } from './outcome-faults.ts';

export const acquireFails: FaultClass = {
  name: 'acquire-fails',
  summary: 'an acquire fails with an RPC error after no or all of its resources took effect',
  history: 'seed: "Do we need to guarantee that the lock is not obtained on failure? ... leave it undefined"',
  enabled: (ctx, world, out) => failingCompletions(ctx, world, 'acquire-fails', out),
};
