/** Grants mapped back to physical disks, computed once per distinct service state. */
import type { Grant } from '../../contract/service.ts';
import type { SimContext } from '../world/context.ts';
import type { CallKind } from '../world/lock-calls.ts';
import type { PendingCall } from '../world/types.ts';

export interface DiskGrant extends Grant {
  /** The physical disk the granted path reaches (undefined for a lease or a foreign path). */
  readonly disk: number | undefined;
}

const byService = new WeakMap<object, DiskGrant[]>();
const byGrants = new WeakMap<readonly Grant[], DiskGrant[]>();

/**
 * The two service states asked about last (a step's checkers ask about its before and after
 * states, several times each), with their context and the model's grant list: looked up before
 * any table.
 */
interface Recent {
  ctx: SimContext | null;
  service: unknown;
  source: readonly Grant[] | null;
  grants: DiskGrant[];
}
const recent: Recent[] = [
  { ctx: null, service: undefined, source: null, grants: [] },
  { ctx: null, service: undefined, source: null, grants: [] },
];
let older = 0;

/**
 * The service's grants with their physical disks, cached per service state and per grant list
 * (a model that returns the same list for states that differ only in registrations is mapped
 * once). A context that never revisits a state (random mode) keeps no table per state.
 */
export function diskGrants(ctx: SimContext, service: unknown): DiskGrant[] {
  const first = recent[0]!;
  if (first.service === service && first.ctx === ctx) return first.grants;
  const second = recent[1]!;
  if (second.service === service && second.ctx === ctx) return second.grants;
  const key = ctx.revisits && typeof service === 'object' && service !== null ? service : null;
  const source = key ? null : ctx.model.grants(service);
  // A new state with the grant list of a recent one (a registration changed): the same mapping.
  const mapped = source !== null && first.ctx === ctx && first.source === source ? first.grants
    : source !== null && second.ctx === ctx && second.source === source ? second.grants
      : lookUp(ctx, service, key, source);
  const slot = recent[older]!;
  slot.ctx = ctx;
  slot.service = service;
  slot.source = source;
  slot.grants = mapped;
  older = 1 - older;
  return mapped;
}

function lookUp(ctx: SimContext, service: unknown, key: object | null,
  source: readonly Grant[] | null): DiskGrant[] {
  const cached = key ? byService.get(key) : undefined;
  if (cached) return cached;
  const grants = source ?? ctx.model.grants(service);
  let mapped = byGrants.get(grants);
  if (!mapped) {
    mapped = grants.map((grant) => withDisk(grant, ctx.storage.resolve(grant.resource)));
    byGrants.set(grants, mapped);
  }
  if (key) byService.set(key, mapped);
  return mapped;
}

/**
 * A grant with its disk, spelled out: `{ ...grant, disk }` adds a property after a spread, which
 * V8 (Node 20) takes its slow path for — microseconds a grant, and objects slow to read after.
 */
function withDisk(grant: Grant, disk: number | undefined): DiskGrant {
  return { key: grant.key, resource: grant.resource, owner: grant.owner, host: grant.host,
    mode: grant.mode, disk };
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

/**
 * Which of a call's resources the call changed for its owner, from the service's states before
 * and after it: newly granted (acquire), no longer granted (release), newly registered
 * (register, bit 0) — judged on physical disks, whatever spelling the service keeps. `care` marks
 * the resources the call could change at all: a release cannot change one the owner did not hold,
 * and nothing changes a read-only disk (never locked).
 */
export function affectedBy(ctx: SimContext, call: PendingCall, kind: CallKind, before: unknown,
  after: unknown): { mask: number; care: number } {
  // F1 and A1 both ask about a step's failed call: the second asks the same question.
  const last = lastAffected;
  if (last.ctx === ctx && last.call === call && last.kind === kind && last.before === before &&
    last.after === after) return last.result;
  const result = computeAffected(ctx, call, kind, before, after);
  lastAffected = { ctx, call, kind, before, after, result };
  return result;
}

let lastAffected: { ctx: SimContext | null; call: PendingCall | null; kind: CallKind | null;
  before: unknown; after: unknown; result: { mask: number; care: number } } =
  { ctx: null, call: null, kind: null, before: undefined, after: undefined, result: { mask: 0, care: 0 } };

function computeAffected(ctx: SimContext, call: PendingCall, kind: CallKind, before: unknown,
  after: unknown): { mask: number; care: number } {
  const all = (1 << effectSize(kind, call)) - 1;
  if (kind === 'inquire') return { mask: 0, care: all };
  if (kind === 'register') {
    return { mask: ctx.model.registration(before, call.pid) === 'none' &&
      ctx.model.registration(after, call.pid) !== 'none' ? 1 : 0, care: all };
  }
  const was = ownerGrants(ctx, before, call.pid);
  const now = ownerGrants(ctx, after, call.pid);
  let mask = 0;
  let care = 0;
  call.disks.forEach((use, i) => {
    const held = was.get(use.disk) ?? 0;
    const change = (now.get(use.disk) ?? 0) - held;
    if (kind === 'acquire' ? change > 0 : change < 0) mask |= 1 << i;
    // A read-only disk is never locked: whether a call "got to" it changes nothing.
    if (use.mode === 'readonly') return;
    if (kind === 'acquire' || held > 0) care |= 1 << i;
  });
  return { mask, care };
}

const effectSize = (kind: CallKind, call: PendingCall) =>
  kind === 'register' ? 1 : call.disks.length;

/** How many grants `owner` holds per physical disk. */
function ownerGrants(ctx: SimContext, service: unknown, owner: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const grant of diskGrants(ctx, service)) {
    if (grant.owner === owner && grant.disk !== undefined) {
      counts.set(grant.disk, (counts.get(grant.disk) ?? 0) + 1);
    }
  }
  return counts;
}

const ownersByGrants = new WeakMap<readonly DiskGrant[], Map<string, number[]>>();

/**
 * The owners of each lock key the service grants, built once per grant list: "was this grant
 * there before?" is `owners.get(key)?.includes(owner)`, with no string built per grant.
 */
export function grantOwners(ctx: SimContext, service: unknown): ReadonlyMap<string, readonly number[]> {
  const grants = diskGrants(ctx, service);
  let owners = ownersByGrants.get(grants);
  if (!owners) {
    owners = new Map();
    for (const grant of grants) {
      const list = owners.get(grant.key);
      if (list) list.push(grant.owner);
      else owners.set(grant.key, [grant.owner]);
    }
    ownersByGrants.set(grants, owners);
  }
  return owners;
}
