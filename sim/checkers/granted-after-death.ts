/**
 * S7d — grants orphaned at birth (liveness; a known finding).
 * Verifies: after the heal phase no grant is held for a dead pid whose death could already not
 * release it when the service granted it. virtlockd releases only when the owner's registered
 * connection closes, so two known paths make one: libvirtd's acquire for a QEMU destroyed during
 * its start completes after the process died (decisions §5,
 * `scenarios/destroy-during-start-leaks.scenario`), and an acquire for a QEMU whose leaked
 * connection had already closed (§6 #22, `scenarios/connection-drop-prefix-leaks.scenario`).
 * Reported as known, apart from S7, so that it never masks a grant that outlived its owner.
 * Does not verify: grants that outlived their owner's death (S7).
 */
import type { Checker } from './checker.ts';

export const KNOWN_ORPHAN_SCENARIO = 'scenarios/destroy-during-start-leaks.scenario';
export const KNOWN_UNREGISTERED_SCENARIO = 'scenarios/connection-drop-prefix-leaks.scenario';

export const grantedAfterDeath: Checker = {
  id: 'S7d',
  name: 'granted-after-death',
  kind: 'liveness',
  verifies: 'after the heal phase no grant is held for an owner whose death could not release it ' +
    'when it was granted',
  doesNotVerify: 'grants that outlived their owner (S7)',
  known: `${KNOWN_ORPHAN_SCENARIO}, ${KNOWN_UNREGISTERED_SCENARIO}`,
  applies: (ctx) => ctx.model.locks,
  checkSettled(ctx, world) {
    if (world.orphanGrants.length === 0) return null;
    const alive = new Set(world.procs.map((proc) => proc.pid));
    const leaked = ctx.model.grants(world.service).filter((grant) => !alive.has(grant.owner) &&
      world.orphanGrants.includes(`${grant.owner}:${grant.key}`));
    if (leaked.length === 0) return null;
    const first = leaked[0]!;
    return `known: ${leaked.length} grant(s) made to pids already dead or whose connection had ` +
      `closed, e.g. '${first.resource}' (${first.mode}) for pid ${first.owner} (virtlockd ` +
      `releases only when the owner's connection closes: ${KNOWN_ORPHAN_SCENARIO}, ` +
      `${KNOWN_UNREGISTERED_SCENARIO})`;
  },
};
