/**
 * S9 — no stale resume.
 * Verifies: a process that released a disk on pause or at a migration's switchover is granted it
 * again only if no other owner was granted it exclusively in between (a shared co-holder of a
 * shareable disk writes it by definition, and the guest knows); otherwise it would resume on cached
 * state the disk no longer matches (reference §7 S9, the lease-version semantics state strings
 * were designed for). Judged from the world's own record of releases and grants
 * (`sim/world/releases.ts`), never from the driver's state string.
 * Does not verify: drivers without state strings (virtlockd cannot tell and does not promise it:
 * reference §7's table, lockd ✗ S9 by design); disks released by unplug (a re-plug opens afresh).
 */
import type { Checker } from './checker.ts';
import { who } from './checker.ts';
import { diskGrants } from './grants.ts';

export const noStaleResume: Checker = {
  id: 'S9',
  name: 'no-stale-resume',
  kind: 'safety',
  verifies: 'a disk released on pause or migration is re-granted only if nobody held it since',
  doesNotVerify: 'drivers without state strings; disks released by unplug',
  applies: (ctx) => ctx.model.locks && ctx.model.usesState,
  check({ ctx, before, after }) {
    if (after.service === before.service) return null;
    // The VM's processes, not only the releasing one: a migration resumes on its destination.
    const vmOf = new Map(after.procs.map((proc) => [proc.pid, proc.vm]));
    for (const proc of before.procs) {
      for (const record of proc.released ?? []) {
        if (!record.overtaken) continue;
        const mine = (g: { owner: number; disk?: number }) =>
          g.disk === record.disk && (g.owner === proc.pid || vmOf.get(g.owner) === proc.vm);
        const had = diskGrants(ctx, before.service).some(mine);
        const regrant = diskGrants(ctx, after.service).find(mine);
        if (had || regrant === undefined) continue;
        return `${who(after, regrant.owner)} was granted disk${record.disk} again although another ` +
          `owner was granted it after ${who(after, proc.pid)} released it: it resumes on stale state`;
      }
    }
    return null;
  },
};
