/**
 * S4 — a revoked grant is fenced before it is granted again.
 * Verifies: whenever the service makes a new grant on a disk, no other process is still running
 * with that disk attached in a conflicting mode (a process that lost its grant — daemon crash,
 * re-exec bug, connection drop — must be stopped first).
 * Does not verify: time bounds (the lease model's business); paused processes, which count as
 * fenced when no I/O is outstanding.
 */
import { placeOf, type Checker } from './checker.ts';
import { conflicts, diskGrants, grantOwners } from './grants.ts';
import { isRunning } from '../world/actors.ts';

export const fencing: Checker = {
  id: 'S4',
  name: 'fencing',
  kind: 'safety',
  verifies: 'no new grant on a disk while another process still runs on it in a conflicting mode',
  doesNotVerify: 'time bounds; paused processes are taken as fenced',
  applies: (ctx) => ctx.model.locks,
  check({ ctx, before, after }) {
    if (after.service === before.service) return null;
    const now = diskGrants(ctx, after.service);
    // The same grant list (a registration changed, not a lock): no new grant.
    if (now === diskGrants(ctx, before.service)) return null;
    const old = grantOwners(ctx, before.service);
    for (const grant of now) {
      if (grant.disk === undefined || old.get(grant.key)?.includes(grant.owner)) continue;
      for (const proc of after.procs) {
        if (proc.pid === grant.owner || !isRunning(proc)) continue;
        const device = proc.devices.find((use) => use.disk === grant.disk);
        if (!device || device.mode === 'readonly' || !conflicts(device.mode, grant.mode)) continue;
        return `disk${grant.disk} granted ${grant.mode} to pid ${grant.owner} while pid ${proc.pid} ` +
          `(${placeOf(after, proc.vm, proc.host)}) still runs on it (${device.mode}) unfenced`;
      }
    }
    return null;
  },
};
