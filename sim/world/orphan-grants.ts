/**
 * Grants orphaned at birth: grants that, the moment they were made, their owner's death could
 * already not release. virtlockd releases an owner's locks only when the owner's own registered
 * connection closes, and never watches pids, so two paths make such a grant:
 * - the owner was already dead: libvirtd's acquire for a QEMU destroyed during its start completes
 *   after the process died (decisions §5, `scenarios/destroy-during-start-leaks.scenario`);
 * - the owner lives, but its registered connection had already closed (§6 #22), so its later
 *   death releases nothing (`scenarios/connection-drop-prefix-leaks.scenario`).
 * Recording which grants came about that way lets the liveness check tell these known leaks (S7d)
 * from a grant that outlived its owner's death (S7), so a known one never masks a new one.
 */
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import type { World } from './types.ts';

/** After a step: grants its lock calls made that their owner's death can no longer release. */
export function trackOrphanGrants(ctx: SimContext, before: World, d: Draft): void {
  if (d.lockCalls.length === 0 || d.service === before.service) return;
  let added: string[] | null = null;
  for (const { call, kind } of d.lockCalls) {
    if (kind !== 'acquire') continue;
    const dead = !d.procByPid(call.pid) && !before.procs.some((p) => p.pid === call.pid);
    // Only an owner with no registered connection can outlive its grants alive (a registered
    // one's connection closing releases them); the prefilter keeps the hypothetical death below
    // off the common path.
    if (!dead && ctx.model.registration(d.service, call.pid) !== 'none') continue;
    const had = new Set(ctx.model.grants(before.service).filter((g) => g.owner === call.pid)
      .map((g) => g.key));
    // What the owner's death now would leave: all, if it is dead already; under a model that
    // watches pids (the kernel-lock drivers), nothing, and then no grant is orphaned.
    const survivors = dead ? d.service
      : ctx.model.ownerGone(d.service, { pid: call.pid, host: call.host }).state;
    for (const grant of ctx.model.grants(survivors)) {
      const id = `${grant.owner}:${grant.key}`;
      if (grant.owner !== call.pid || had.has(grant.key) || d.orphanGrants.includes(id)) continue;
      (added ??= []).push(id);
    }
  }
  if (added) d.orphanGrants = [...d.orphanGrants, ...added];
}
