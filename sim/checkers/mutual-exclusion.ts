/**
 * S1 — mutual exclusion of grants.
 * Verifies: after every step, the grants the lock service holds on each physical disk are either
 * one exclusive grant or any number of shared ones, counted across all hosts and whatever path
 * spelling each grant was made under.
 * Does not verify: that grants match what processes do (S2, S3); grants of one owner on two
 * spellings of its own disk (no second party is excluded).
 */
import type { Checker } from './checker.ts';
import { who } from './checker.ts';
import { diskGrants } from './grants.ts';

export const mutualExclusion: Checker = {
  id: 'S1',
  name: 'mutual-exclusion',
  kind: 'safety',
  verifies: 'per physical disk, live grants are one exclusive or any number of shared',
  doesNotVerify: 'what processes do with their grants (see S2, S3)',
  applies: (ctx) => ctx.model.locks,
  check({ ctx, before, after }) {
    if (after.service === before.service) return null;
    const grants = diskGrants(ctx, after.service);
    if (grants === diskGrants(ctx, before.service)) return null;
    for (let i = 0; i < grants.length; i++) {
      const a = grants[i]!;
      if (a.disk === undefined) continue;
      for (let j = i + 1; j < grants.length; j++) {
        const b = grants[j]!;
        if (b.disk !== a.disk || b.owner === a.owner) continue;
        if (a.mode === 'shared' && b.mode === 'shared') continue;
        return `disk${a.disk} is granted ${a.mode} to ${who(after, a.owner)} as '${a.resource}' ` +
          `and ${b.mode} to ${who(after, b.owner)} as '${b.resource}'`;
      }
    }
    return null;
  },
};
