/**
 * What S9 (no stale resume) needs to know and the lock service must not be asked: which disks a
 * live process released on pause or at a migration's switchover, and whether another owner has
 * been granted one since. A process that resumes with such a disk runs on cached state the disk
 * no longer matches (reference §7 S9: the lease-version semantics the state string is for).
 *
 * Kept only for drivers that pass state strings (libvirt's USES_STATE): a driver without them
 * (virtlockd) has no means to tell and makes no such promise (reference §7's table: lockd ✗ S9
 * by design), so for it the record stays empty and the world is what it always was.
 */
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import type { Proc, ReleasedDisk, World } from './types.ts';

/**
 * The (owner, physical disk) pairs the service grants, as `owner:disk` strings; only the
 * exclusive ones with `exclusiveOnly` (what makes a released disk's cached state stale: a shared
 * holder of a shareable disk is its co-writer by definition, and the guest knows it).
 */
function granted(ctx: SimContext, service: unknown, exclusiveOnly = false): Set<string> {
  const out = new Set<string>();
  for (const grant of ctx.model.grants(service)) {
    if (exclusiveOnly && grant.mode !== 'exclusive') continue;
    const disk = ctx.storage.resolve(grant.resource);
    if (disk !== undefined) out.add(`${grant.owner}:${disk}`);
  }
  return out;
}

const withReleased = (proc: Proc, released: readonly ReleasedDisk[]): Proc => {
  const { released: _old, ...rest } = proc;
  return released.length > 0 ? { ...rest, released } : rest;
};

/** Brings the processes' release records up to date after a step (`applyStep`). */
export function trackReleases(ctx: SimContext, before: World, d: Draft): void {
  if (!ctx.model.usesState || d.service === before.service) return;
  // The same grant list (a registration changed, not a lock): nothing released, nothing granted.
  if (ctx.model.grants(before.service) === ctx.model.grants(d.service)) return;
  const was = granted(ctx, before.service);
  const now = granted(ctx, d.service);
  const released = new Map<number, number[]>();
  for (const { call } of d.lockCalls) {
    if (call.src !== 'releaseLocks') continue;
    for (const use of call.disks) {
      if (was.has(`${call.pid}:${use.disk}`) && !now.has(`${call.pid}:${use.disk}`)) {
        released.set(call.pid, [...released.get(call.pid) ?? [], use.disk]);
      }
    }
  }
  const exclusive = granted(ctx, d.service, true);
  const fresh = [...now].filter((pair) => !was.has(pair))
    .map((pair) => [...pair.split(':').map(Number), exclusive.has(pair) ? 1 : 0]);
  // A migration's destination is another process of the same VM: its grant ends the source's
  // record (judged by S9 first), as the source's own re-grant after a pause does.
  const vmOf = new Map(d.procs.map((proc) => [proc.pid, proc.vm]));
  for (const proc of [...d.procs]) {
    let records = proc.released ?? [];
    for (const [owner, disk, isExclusive] of fresh) {
      if (vmOf.get(owner!) === proc.vm) records = records.filter((r) => r.disk !== disk);
      else if (isExclusive) {
        records = records.map((r) => (r.disk === disk && !r.overtaken ? { disk, overtaken: true } : r));
      }
    }
    for (const disk of released.get(proc.pid) ?? []) {
      records = [...records.filter((r) => r.disk !== disk), { disk, overtaken: false }];
    }
    if (records !== (proc.released ?? []) && JSON.stringify(records) !== JSON.stringify(proc.released ?? [])) {
      d.setProc(withReleased(proc, records));
    }
  }
}

/** The records as one number: bit 2d for a released disk d, 2d+1 when it was overtaken. */
export function releasedBits(proc: Proc): number {
  let bits = 0;
  for (const record of proc.released ?? []) bits |= (record.overtaken ? 3 : 1) << (2 * record.disk);
  return bits | 0;
}
