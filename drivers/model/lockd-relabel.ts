/**
 * Renaming a virtlockd state for the exhaustive explorer (`LockServiceModel.relabel`): owner
 * pids, hosts and resource names change, lock keys are derived again from the new names, and
 * owners, entries, registrations and dead pids are put in one canonical order.
 *
 * Reordering is sound because nothing in the model reads an order: entries are found by key,
 * registrations and dead pids by pid, and the owners of an entry form a multiset (a release
 * removes one record of its pid, and all records of one pid are equal).
 */
import type { Owner, Relabelling } from '../../contract/service.ts';
import type { LockdEntry, LockdState } from './lockd-model.ts';
import { aliasKey, nameKey } from './naming.ts';

const byOwner = (a: Owner, b: Owner) => a.pid - b.pid || a.host - b.host;

/** The renamed state, or undefined when the renaming breaks the configured path alias table. */
export function relabelLockd(state: LockdState, map: Relabelling): LockdState | undefined {
  if (!preservesAliases(state, map)) return undefined;
  const renameOwner = (owner: Owner): Owner =>
    ({ pid: map.pid(owner.pid), host: map.host(owner.host) });
  const entries = state.entries.map((entry): LockdEntry => {
    const resource = map.resource(entry.resource);
    const renamed = { kind: 'disk', name: resource, mode: 'exclusive' } as const;
    const key = resource === entry.resource ? entry.key
      : entry.kind === 'alias' ? aliasKey(renamed, state)! : nameKey(renamed, state);
    const owners = entry.owners.map(renameOwner).sort(byOwner);
    return { key, kind: entry.kind, resource, shared: entry.shared, owners };
  }).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const registrations = state.registrations
    .map((r) => ({ pid: map.pid(r.pid), host: map.host(r.host), restricted: r.restricted }))
    .sort((a, b) => a.pid - b.pid);
  const dead = state.dead === null ? null
    : state.dead.map((pid) => map.pid(pid)).sort((a, b) => a - b);
  return { ...state, entries, registrations, dead };
}

/**
 * A renaming of disks is a symmetry of the alias table only if it maps the table onto itself
 * (it matters only where the names depend on it: alias locks, locks on the file itself).
 */
function preservesAliases(state: LockdState, map: Relabelling): boolean {
  if (!state.aliasLocks && !state.inode) return true;
  for (const [alias, target] of Object.entries(state.paths)) {
    if (state.paths[map.resource(alias)] !== map.resource(target)) return false;
  }
  return true;
}
