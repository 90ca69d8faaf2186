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

const heldByGrants = new WeakMap<readonly DiskGrant[], Set<number>>();

/** The number under which `heldLocks` lists a grant to `owner` on physical disk `disk`. */
export function heldKey(owner: number, disk: number, mode: 'exclusive' | 'shared'): number {
  return (owner * 4096 + disk) * 2 + (mode === 'shared' ? 1 : 0);
}

/** Every (owner, physical disk, mode) the service grants, as `heldKey`s, cached per grant list
 * (a hot check: numbers, not strings). */
export function heldLocks(ctx: SimContext, service: unknown): ReadonlySet<number> {
  const grants = diskGrants(ctx, service);
  let held = heldByGrants.get(grants);
  if (!held) {
    held = new Set();
    for (const grant of grants) {
      if (grant.disk !== undefined) held.add(heldKey(grant.owner, grant.disk, grant.mode));
    }
    heldByGrants.set(grants, held);
  }
  return held;
}
