/**
 * Grants made to an owner that was already dead: virtlockd answers an acquire for a pid whose
 * process is gone (libvirtd's acquire completing after a destroy during start) and keeps the lock
 * for ever, since only the owner's own connection closing would release it (decisions §5, the
 * simulator's known finding `scenarios/destroy-during-start-leaks.scenario`). Recording which
 * grants came about that way lets the liveness check tell this known leak (S7d) from a grant that
 * outlived its owner's death (S7), so the known one never masks a new one.
 */
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import type { World } from './types.ts';

/** After a step: grants its lock calls made to owners with no live process. */
export function trackOrphanGrants(ctx: SimContext, before: World, d: Draft): void {
  if (d.lockCalls.length === 0 || d.service === before.service) return;
  let added: string[] | null = null;
  for (const { call, kind } of d.lockCalls) {
    if (kind !== 'acquire' || d.procByPid(call.pid) || before.procs.some((p) => p.pid === call.pid)) continue;
    const had = new Set(ctx.model.grants(before.service).filter((g) => g.owner === call.pid)
      .map((g) => g.key));
    for (const grant of ctx.model.grants(d.service)) {
      const id = `${grant.owner}:${grant.key}`;
      if (grant.owner !== call.pid || had.has(grant.key) || d.orphanGrants.includes(id)) continue;
      (added ??= []).push(id);
    }
  }
  if (added) d.orphanGrants = [...d.orphanGrants, ...added];
}
