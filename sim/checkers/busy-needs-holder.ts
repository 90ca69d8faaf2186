/**
 * A1 — no RESOURCE_BUSY without a conflicting holder (availability).
 * Verifies: an acquire the service itself refused as busy (no failure injected) names, among the
 * resources it did not take, a disk somebody held in a conflicting mode just before the call —
 * another owner in a mode that conflicts, or the same owner already (virtlockd refuses a second
 * acquire of a held lock, reference §6 #6). Holders are read from the service's grants, dead
 * owners' included: they still block.
 * Does not verify: injected failures (their code is the fault's choice), other error codes, or
 * which of several candidate resources the service blamed; timed services (the lease model),
 * whose leases stay owned on disk past their holders' grants — a dead host's until host_dead,
 * a failed release's until it expires — so busy is right there with no grant in sight.
 */
import { placeOf, type Checker } from './checker.ts';
import { affectedBy, conflicts, diskGrants } from './grants.ts';

export const busyNeedsHolder: Checker = {
  id: 'A1',
  name: 'busy-needs-holder',
  kind: 'safety',
  verifies: 'an acquire refused as busy met a conflicting holder of a disk it did not get',
  doesNotVerify: 'injected failures, other error codes, timed services',
  applies: (ctx) => ctx.model.locks && ctx.model.timed === undefined,
  check({ ctx, after, lockCalls }) {
    for (const completed of lockCalls) {
      const { call, answer, natural, kind } = completed;
      if (natural === null || kind !== 'acquire' || answer.ok) continue;
      if (answer.error.code !== 'RESOURCE_BUSY') continue;
      const { mask } = affectedBy(ctx, call, kind, natural.before, natural.after);
      const holders = diskGrants(ctx, natural.before);
      const blocked = call.disks.some((use, i) => use.mode !== 'readonly' && (mask & (1 << i)) === 0 &&
        holders.some((g) => g.disk === use.disk &&
          (g.owner === call.pid || conflicts(g.mode, use.mode as 'exclusive' | 'shared'))));
      if (blocked) continue;
      const names = call.disks.filter((use) => use.mode !== 'readonly').map((use) => `disk${use.disk}`);
      return `${call.src} of ${placeOf(after, call.vm, call.host)} was refused as busy, but nobody ` +
        `held ${names.join(', ') || 'any of its disks'} in a conflicting mode`;
    }
    return null;
  },
};
