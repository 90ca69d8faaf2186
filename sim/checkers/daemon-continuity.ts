/**
 * S8 — daemon continuity across a re-exec.
 * Verifies: when the lock daemon re-executes itself (virtlockd's SIGUSR1), every lock it enforced
 * on that host before is enforced after, owner and mode unchanged, and none appears (the kernel's
 * locks equal the daemon's table; reference §7 S8, §6 #2). Judged on the service's re-exec alone,
 * apart from the replies the same step may lose.
 * Does not verify: a daemon that dies (crash, a failed or doubled re-exec): its processes are
 * unprotected until fenced, which is S4's to flag, and S2's.
 */
import type { SimContext } from '../world/context.ts';
import type { Checker } from './checker.ts';

function locksOn(ctx: SimContext, service: unknown, host: number): string[] {
  return ctx.model.grants(service).filter((grant) => grant.host === host)
    .map((grant) => `'${grant.resource}' ${grant.mode} for pid ${grant.owner}`).sort();
}

export const daemonContinuity: Checker = {
  id: 'S8',
  name: 'daemon-continuity',
  kind: 'safety',
  verifies: 'a re-exec of the lock daemon keeps exactly the locks it enforced',
  doesNotVerify: 'a daemon that dies (S4 and S2 flag the processes left unprotected)',
  applies: (ctx) => ctx.model.locks,
  check({ ctx, before, step }) {
    if (step.kind !== 'fault' || step.fault !== 'daemon-reexec') return null;
    const was = locksOn(ctx, before.service, step.host);
    const now = locksOn(ctx, ctx.model.daemonReexec(before.service, step.host), step.host);
    const lost = was.filter((lock) => !now.includes(lock));
    const gained = now.filter((lock) => !was.includes(lock));
    if (lost.length === 0 && gained.length === 0) return null;
    return `the daemon on h${step.host} re-executed and ` +
      (lost.length > 0 ? `lost ${lost.length} lock(s), e.g. ${lost[0]}` : `gained ${gained[0]}`);
  },
};
