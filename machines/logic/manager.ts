/** Pure helpers behind the manager machine's guards and assignments. */
import { mayHaveAffected, type FailureOutcomeSet } from '../../contract/outcomes.ts';
import { missingParams, type DomainParams } from '../../contract/params.ts';
import type { ManagedResource } from '../manager.machine.ts';

export function hasRequiredParams(params: DomainParams): boolean {
  return missingParams(params).length === 0;
}

/** Every declared resource, in declaration order (the order drivers take them in). */
export function resourceIds(resources: readonly ManagedResource[]): string[] {
  return resources.map((resource) => resource.id);
}

/** The resources a shutdown must release: believed held, or unknown after a failed call. */
export function heldOrUnknown(resources: readonly ManagedResource[]): string[] {
  return resources
    .filter((resource) => resource.belief === 'held' || resource.belief === 'unknown')
    .map((resource) => resource.id);
}

export function withBelief(
  resources: readonly ManagedResource[],
  ids: readonly string[],
  belief: ManagedResource['belief'],
): ManagedResource[] {
  const affected = new Set(ids);
  return resources.map((resource) =>
    affected.has(resource.id) ? { ...resource, belief } : resource);
}

/**
 * The child id for a newly declared resource: `resource.N` with the smallest N not in use. Ids
 * are reused after a release, so a context that cycles through the same calls cycles through
 * the same states (which the memoised engine then steps for free).
 */
export function freeResourceId(resources: readonly ManagedResource[]): string {
  const used = new Set(resources.map((resource) => resource.id));
  for (let n = 0; ; n++) if (!used.has(`resource.${n}`)) return `resource.${n}`;
}

/**
 * After a failed call on `ids`: the resources some admissible outcome of `set` may have affected
 * (now unknown), and the ones no admissible outcome touches, with what was believed of them
 * before the call (they keep it).
 */
export function afterFailure(
  resources: readonly ManagedResource[],
  ids: readonly string[],
  set: FailureOutcomeSet,
): { unknown: string[]; unaffected: ManagedResource[] } {
  const mask = mayHaveAffected(set, ids.length);
  const unknown: string[] = [];
  const unaffected: ManagedResource[] = [];
  ids.forEach((id, i) => {
    if ((mask >>> i) & 1) unknown.push(id);
    else {
      const resource = resources.find((r) => r.id === id);
      if (resource) unaffected.push(resource);
    }
  });
  return { unknown, unaffected };
}
