/**
 * S7d — grants made to an owner already dead (liveness; a known finding).
 * Verifies: after the heal phase no grant is held for a pid that was already dead when the
 * service granted it — virtlockd's known leak: libvirtd's acquire for a QEMU destroyed during
 * its start completes after the process died, and the lock stays for ever (decisions §5,
 * `scenarios/destroy-during-start-leaks.scenario`). Reported as known, apart from S7, so that it
 * never masks a grant that outlived its owner.
 * Does not verify: grants that outlived their owner's death (S7).
 */
import type { Checker } from './checker.ts';

export const KNOWN_ORPHAN_SCENARIO = 'scenarios/destroy-during-start-leaks.scenario';

export const grantedAfterDeath: Checker = {
  id: 'S7d',
  name: 'granted-after-death',
  kind: 'liveness',
  verifies: 'after the heal phase no grant is held for an owner that was dead when granted',
  doesNotVerify: 'grants that outlived their owner (S7)',
  known: KNOWN_ORPHAN_SCENARIO,
  applies: (ctx) => ctx.model.locks,
  checkSettled(ctx, world) {
    if (world.orphanGrants.length === 0) return null;
    const alive = new Set(world.procs.map((proc) => proc.pid));
    const leaked = ctx.model.grants(world.service).filter((grant) => !alive.has(grant.owner) &&
      world.orphanGrants.includes(`${grant.owner}:${grant.key}`));
    if (leaked.length === 0) return null;
    const first = leaked[0]!;
    return `known: ${leaked.length} grant(s) made to pids already dead, e.g. '${first.resource}' ` +
      `(${first.mode}) for pid ${first.owner} (virtlockd's orphan acquire, ${KNOWN_ORPHAN_SCENARIO})`;
  },
};
