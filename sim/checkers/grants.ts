/** Grants mapped back to physical disks, computed once per distinct service state. */
import type { Grant } from '../../drivers/service.ts';
import type { SimContext } from '../world/context.ts';

export interface DiskGrant extends Grant {
  /** The physical disk the granted path reaches (undefined for a lease or a foreign path). */
  readonly disk: number | undefined;
}

const byService = new WeakMap<object, DiskGrant[]>();
const byGrants = new WeakMap<readonly Grant[], DiskGrant[]>();

/**
 * The service's grants with their physical disks, cached per service state and per grant list
 * (a model that returns the same list for states that differ only in registrations is mapped once).
 */
export function diskGrants(ctx: SimContext, service: unknown): DiskGrant[] {
  const key = typeof service === 'object' && service !== null ? service : null;
  const cached = key ? byService.get(key) : undefined;
  if (cached) return cached;
  const grants = ctx.model.grants(service);
  let mapped = byGrants.get(grants);
  if (!mapped) {
    mapped = grants.map((grant) => ({ ...grant, disk: ctx.storage.resolve(grant.resource) }));
    byGrants.set(grants, mapped);
  }
  if (key) byService.set(key, mapped);
  return mapped;
}

/** Two modes conflict unless both are shared. */
export function conflicts(a: 'exclusive' | 'shared', b: 'exclusive' | 'shared'): boolean {
  return a === 'exclusive' || b === 'exclusive';
}
