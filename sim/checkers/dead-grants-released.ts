/**
 * S7 — grants of a dead process are released (liveness).
 * Verifies: once faults stop and every call in flight has settled (the heal phase), no grant
 * made to a live process outlived its death.
 * Does not verify: how long the release took; grants of live processes that libvirt forgot
 * (a paused VM still holding locks after a failed release is safe, merely stuck); grants made to
 * an owner already dead (the known leak, S7d).
 */
import type { Checker } from './checker.ts';

export const deadGrantsReleased: Checker = {
  id: 'S7',
  name: 'dead-grants-released',
  kind: 'liveness',
  verifies: 'after the heal phase no grant belongs to a dead process',
  doesNotVerify: 'release latency; stale grants of live processes',
  applies: (ctx) => ctx.model.locks,
  checkSettled(ctx, world) {
    const alive = new Set(world.procs.map((proc) => proc.pid));
    const leaked = ctx.model.grants(world.service).filter((grant) => !alive.has(grant.owner) &&
      !world.orphanGrants.includes(`${grant.owner}:${grant.key}`));
    if (leaked.length === 0) return null;
    const first = leaked[0]!;
    return `${leaked.length} grant(s) owned by dead processes, e.g. '${first.resource}' ` +
      `(${first.mode}) held for dead pid ${first.owner}`;
  },
};
