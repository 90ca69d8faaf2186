/**
 * F1 — a failure leaves behind no more than the driver declares.
 * Verifies: every lock call that failed on its own (the service's own error, no failure
 * injected) affected a set of its resources that the driver's declared outcome set admits —
 * judged from the service's grants and registrations before and after the call, never from the
 * driver's account of it (`contract/outcomes.ts`).
 * Does not verify: injected failures (the simulator chose their effect from the declared set);
 * whether a success did exactly what was asked (S1, S2 and the other checkers judge effects).
 */
import { contractBreach } from '../../contract/outcomes.ts';
import { effectSize } from '../world/lock-calls.ts';
import { placeOf, type Checker } from './checker.ts';
import { affectedBy } from './grants.ts';

export const failureContract: Checker = {
  id: 'F1',
  name: 'failure-contract',
  kind: 'safety',
  verifies: 'a call that failed on its own affected only what the declared outcome set admits',
  doesNotVerify: 'injected failures, what successful calls did',
  applies: () => true,
  check({ ctx, after, lockCalls }) {
    for (const completed of lockCalls) {
      if (completed.natural === null) continue;
      const { before, after: afterCall } = completed.natural;
      const { mask, care } = affectedBy(ctx, completed.call, completed.kind, before, afterCall);
      const set = completed.kind === 'release' ? ctx.failure.release : ctx.failure.acquire;
      const breach = contractBreach(set, effectSize(completed.call), mask, care);
      if (!breach) continue;
      const { call, answer } = completed;
      const code = answer.ok ? 'an error' : answer.error.code;
      return `${call.src} of ${placeOf(after, call.vm, call.host)} failed on its own (${code}), ` +
        `but ${breach}`;
    }
    return null;
  },
};
