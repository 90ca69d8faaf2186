/**
 * The `model` driver's service: virtlockd's exact semantics as a pure state machine
 * (reference §3, `virlockspace.c`, `lock_daemon_dispatch.c`, verified against the real daemon in
 * `reference/virtlockd-protocol.md`).
 *
 * - Grants are keyed by owner pid. Exclusive conflicts with everything, shared with exclusive.
 * - A second exclusive acquire by the *same* owner is RESOURCE_BUSY ("res lock excl").
 * - A shared acquire by the same owner twice records the pid twice (two releases needed).
 * - Read-only disks are never locked.
 * - Acquire and release walk the resources in order and stop at the first failure, with no
 *   rollback: resources 1..k-1 stay acquired (or released).
 * - Release by a pid that is not among the owners is INTERNAL_ERROR; of an unheld resource,
 *   RESOURCE_BUSY "is not locked" — unheld *by this host's daemon*: each host has its own.
 * - Only the owner's own registered connection releases everything when it closes, and then the
 *   daemon kills the owner if it released anything. libvirtd's impersonating connections release
 *   nothing when they close, and the daemon never watches pids.
 * - A crashed daemon restarts empty; a re-exec keeps everything.
 *
 * Names (`naming.ts`): libvirt's own, byte for byte (`model`); with `alias_locks` also
 * lockchart's alias lock by canonical path, taken first within each resource (all-or-nothing)
 * and released last (stopping at the first failure) (`model-lockd`, `model-kernel`);
 * with `inode_locks` direct locks
 * are on the file itself (the kernel-lock drivers, `model-kernel`).
 *
 * `foreign_hosts` puts libvirt's own lock manager on those hosts, next to lockchart's drivers
 * on the others (`model-foreign`): the interop hole of docs/interop.md, in the model.
 *
 * `watch_owners: true` is the variant for lockchart's kernel-lock drivers (`model-kernel`),
 * which know when an owner process dies: its death releases everything it held, registered or
 * not, and kills nobody; a lock is never taken for an owner that is dead (OPERATION_INVALID,
 * where virtlockd grants it and keeps it for ever, decisions §5).
 */
import { errorData, lockError, type LockErrorData } from '../../contract/errors.ts';
import type { FailureSemantics } from '../../contract/driver.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import {
  fail,
  ok,
  type Grant,
  type LockServiceModel,
  type Owner,
  type OwnerGoneResult,
  type ServiceReply,
  type ServiceRequest,
} from '../../contract/service.ts';
import { relabelLockd } from './lockd-relabel.ts';
import { aliasKey, lockKeys, type Naming } from './naming.ts';

export interface LockdEntry {
  readonly key: string;
  /** Which of the resource's locks this is: libvirt's name, or lockchart's alias lock. */
  readonly kind: 'name' | 'alias';
  /** The resource name as first requested (a disk path as spelled). */
  readonly resource: string;
  readonly shared: boolean;
  /** Owners in acquisition order; a pid appears once per shared acquire. */
  readonly owners: readonly Owner[];
}

export interface LockdRegistration {
  readonly pid: number;
  readonly host: number;
  readonly restricted: boolean;
}

export interface LockdState extends Naming {
  /** Sorted by key. */
  readonly entries: readonly LockdEntry[];
  /** Owners whose own connection is registered, sorted by pid. */
  readonly registrations: readonly LockdRegistration[];
  /** Null unless owners are watched (`watch_owners`): then the pids known dead, sorted. */
  readonly dead: readonly number[] | null;
  /**
   * Hosts whose libvirtd runs libvirt's own lock manager instead of lockchart's driver
   * (`foreign_hosts`): its calls name disks exactly as libvirt does, with no alias lock, on the
   * same lockspace. Empty for a world of lockchart drivers only.
   */
  readonly foreign: readonly number[];
}

/** How the owner's driver names its locks: libvirt's own names on a foreign host. */
function namingOf(state: LockdState, owner: Owner): Naming {
  if (state.foreign.length === 0 || !state.foreign.includes(owner.host)) return state;
  return { ...state, aliasLocks: false, inode: false };
}

export const LOCKD_FAILURE: FailureSemantics = {
  acquire: 'prefix',
  release: 'prefix',
  rationale:
    'virtlockd takes and releases resources one RPC at a time with no rollback, and a reply ' +
    'can be lost after the call took effect (re-exec), so any prefix may have taken effect',
};

function busy(name: string, what: 'is locked' | 'is not locked'): LockErrorData {
  return errorData('RESOURCE_BUSY',
    `resource busy: Lockspace resource '${name}' ${what}`, { resource: name });
}

function findEntry(entries: readonly LockdEntry[], key: string): number {
  return entries.findIndex((entry) => entry.key === key);
}

function insertSorted(entries: readonly LockdEntry[], entry: LockdEntry): LockdEntry[] {
  const next = entries.slice();
  let at = next.findIndex((other) => other.key > entry.key);
  if (at < 0) at = next.length;
  next.splice(at, 0, entry);
  return next;
}

function replaceAt(entries: readonly LockdEntry[], at: number, entry: LockdEntry | null) {
  const next = entries.slice();
  if (entry === null) next.splice(at, 1);
  else next[at] = entry;
  return next;
}

/** Takes one lock (`key`) of a resource for the owner, or says why not. */
function acquireKey(state: LockdState, owner: Owner, resource: ResourceSpec, key: string):
  StepResult {
  const shared = resource.mode === 'shared';
  const at = findEntry(state.entries, key);
  if (at < 0) {
    const kind = key === aliasKey(resource, state) ? 'alias' : 'name';
    const entry: LockdEntry = { key, kind, resource: resource.name, shared, owners: [owner] };
    return { state: { ...state, entries: insertSorted(state.entries, entry) } };
  }
  const entry = state.entries[at]!;
  if (!(entry.shared && shared)) return { error: busy(resource.name, 'is locked') };
  const grown: LockdEntry = { ...entry, owners: [...entry.owners, owner] };
  return { state: { ...state, entries: replaceAt(state.entries, at, grown) } };
}

/** A step on one resource: the new state, or why not (with what a failed release did). */
type StepResult = { state: LockdState } | { error: LockErrorData; partial?: LockdState };

/** Takes one resource (all its locks, or none of them) for the owner, or says why not. */
export function acquireOne(
  state: LockdState,
  owner: Owner,
  resource: ResourceSpec,
): StepResult {
  if (resource.mode === 'readonly') return { state };
  if (isDead(state, owner.pid)) return { error: deadOwner(owner.pid) };
  let current = state;
  for (const key of lockKeys(resource, namingOf(state, owner))) {
    const result = acquireKey(current, owner, resource, key);
    if ('error' in result) return result; // the resource's earlier locks are rolled back
    current = result.state;
  }
  return { state: current };
}

/**
 * Whether the caller's daemon has the entry in its table. Each host runs its own virtlockd with
 * its own table; hosts exclude each other only through the kernel's locks on the file. So an
 * entry whose holders are all on other hosts is "not locked" for this host's daemon (found by
 * real mode against virtlockd: lockd-model finding 1, `docs/real-mode.md`). The watched-owner
 * variant stands for the kernel-lock drivers, which answer from `/proc/locks`, for every host.
 */
function inCallersTable(state: LockdState, entry: LockdEntry, owner: Owner): boolean {
  return state.dead !== null || entry.owners.some((held) => held.host === owner.host);
}

/** Releases one lock (`key`) of a resource for the owner, or says why not. */
function releaseKey(state: LockdState, owner: Owner, resource: ResourceSpec, key: string):
  { state: LockdState } | { error: LockErrorData } {
  const at = findEntry(state.entries, key);
  if (at < 0) return { error: busy(resource.name, 'is not locked') };
  const entry = state.entries[at]!;
  if (!inCallersTable(state, entry, owner)) return { error: busy(resource.name, 'is not locked') };
  const mine = entry.owners.findIndex((held) => held.pid === owner.pid);
  if (mine < 0) {
    return {
      error: errorData('INTERNAL_ERROR',
        `internal error: owner ${owner.pid} does not hold the resource lock`,
        { resource: resource.name }),
    };
  }
  const owners = entry.owners.filter((_, index) => index !== mine);
  const next = owners.length === 0 ? null : { ...entry, owners };
  return { state: { ...state, entries: replaceAt(state.entries, at, next) } };
}

/**
 * Releases one resource for the owner — its locks in reverse order of taking, libvirt's name
 * first, stopping at the first that fails (what was released stays released) — or says why
 * not. A name the owner does not hold (another spelling) leaves the alias lock alone.
 */
export function releaseOne(
  state: LockdState,
  owner: Owner,
  resource: ResourceSpec,
): StepResult {
  if (resource.mode === 'readonly') return { state };
  let current = state;
  for (const key of lockKeys(resource, namingOf(state, owner)).reverse()) {
    const result = releaseKey(current, owner, resource, key);
    if ('error' in result) return current === state ? result : { error: result.error, partial: current };
    current = result.state;
  }
  return { state: current };
}

type StepOne = typeof acquireOne;

/** Applies `one` to each resource in order; stops at the first failure with no rollback. */
export function walk(
  state: LockdState,
  request: ServiceRequest,
  one: StepOne,
): ServiceReply<LockdState> {
  let current = state;
  let done = 0;
  for (const resource of request.resources) {
    const result = one(current, request.owner, resource);
    // A release that failed midway within a resource keeps what it released (`partial`).
    if ('error' in result) return fail(result.partial ?? current, result.error, done);
    current = result.state;
    done += 1;
  }
  return ok(current, null);
}

function dropOwners(state: LockdState, drop: (owner: Owner) => boolean) {
  // Nothing to drop (the common case when a process dies) keeps the very entries array, so
  // caches keyed by it (grants) still hit.
  if (!state.entries.some((entry) => entry.owners.some(drop))) {
    return { entries: state.entries, released: 0 };
  }
  let released = 0;
  const entries: LockdEntry[] = [];
  for (const entry of state.entries) {
    const owners = entry.owners.filter((owner) => !drop(owner));
    released += entry.owners.length - owners.length;
    if (owners.length > 0) entries.push(owners.length === entry.owners.length ? entry : { ...entry, owners });
  }
  return { entries, released };
}

function isDead(state: LockdState, pid: number): boolean {
  return state.dead !== null && state.dead.includes(pid);
}

function deadOwner(pid: number): LockErrorData {
  return errorData('OPERATION_INVALID', `owner pid ${pid} is not running`);
}

/** A watched owner died: everything it held goes, and it is remembered as dead. */
function watchedOwnerGone(state: LockdState, owner: Owner): OwnerGoneResult<LockdState> {
  const { entries, released } = dropOwners(state, (held) => held.pid === owner.pid);
  const registrations = state.registrations.filter((other) => other.pid !== owner.pid);
  const dead = isDead(state, owner.pid) ? state.dead
    : [...state.dead!, owner.pid].sort((a, b) => a - b);
  return { state: { ...state, entries, registrations, dead }, released, kill: false };
}

function withRegistration(state: LockdState, registration: LockdRegistration): LockdState {
  const others = state.registrations.filter((other) => other.pid !== registration.pid);
  // Sorted by pid, as a sort of `[...others, registration]` would have it (pids are unique once
  // the old registration is out): inserted in place, usually at the end (pids grow).
  let at = others.length;
  while (at > 0 && others[at - 1]!.pid > registration.pid) at--;
  others.splice(at, 0, registration);
  return { ...state, registrations: others };
}

export function registrationOf(state: LockdState, pid: number) {
  return state.registrations.find((registration) => registration.pid === pid);
}

const grantLists = new WeakMap<readonly LockdEntry[], readonly Grant[]>();

/** The entries arrays asked about last, and their lists (a step asks about two states, often). */
const recentEntries: (readonly LockdEntry[] | null)[] = [null, null];
const recentGrants: (readonly Grant[])[] = [[], []];
let olderRecent = 0;

/** Grants derive from the entries alone; one list per distinct entries array. */
export function lockdGrants(state: LockdState): readonly Grant[] {
  const entries = state.entries;
  if (recentEntries[0] === entries) return recentGrants[0]!;
  if (recentEntries[1] === entries) return recentGrants[1]!;
  const grants = grantsOf(entries);
  recentEntries[olderRecent] = entries;
  recentGrants[olderRecent] = grants;
  olderRecent = 1 - olderRecent;
  return grants;
}

function grantsOf(entries: readonly LockdEntry[]): readonly Grant[] {
  const cached = grantLists.get(entries);
  if (cached) return cached;
  const grants: Grant[] = [];
  for (const entry of entries) {
    for (const owner of entry.owners) {
      grants.push({
        key: entry.key,
        resource: entry.resource,
        owner: owner.pid,
        host: owner.host,
        mode: entry.shared ? 'shared' : 'exclusive',
      });
    }
  }
  grantLists.set(entries, grants);
  return grants;
}

export function encodeLockd(state: LockdState): string {
  let out = '';
  for (const entry of state.entries) {
    out += `${entry.key}${entry.shared ? 's' : 'x'}`;
    for (const owner of entry.owners) out += `${owner.pid}@${owner.host},`;
    out += ';';
  }
  out += '|';
  for (const registration of state.registrations) {
    out += `${registration.pid}@${registration.host}${registration.restricted ? 'r' : ''};`;
  }
  if (state.dead !== null) out += `|dead ${state.dead.join(',')}`;
  return out;
}

function checkLeaseOffset(resource: ResourceSpec): LockErrorData | null {
  if (resource.kind === 'lease' && resource.lease && resource.lease.offset !== 0) {
    return errorData('CONFIG_UNSUPPORTED',
      `Offset must be zero for this lock manager (lease '${resource.name}')`,
      { resource: resource.name });
  }
  return null;
}

/** A boolean key: true, or "1"/"true" from a scenario. */
function readFlag(config: Readonly<Record<string, unknown>>, key: string): boolean {
  const on = config[key];
  return on === true || on === 'true' || on === '1';
}

/** A list of host numbers: an array, one number, or a comma-separated string ("1,2"). */
function readHosts(config: Readonly<Record<string, unknown>>, key: string): readonly number[] {
  const given = config[key];
  if (given === undefined || given === null || given === '') return [];
  const items = Array.isArray(given) ? given : typeof given === 'string' ? given.split(',') : [given];
  return items.map((item) => {
    const host = typeof item === 'number' ? item : Number(String(item).trim().replace(/^h/, ''));
    if (!Number.isInteger(host) || host < 0) {
      throw lockError('CONFIG_UNSUPPORTED', `${key}: '${String(item)}' is not a host number`);
    }
    return host;
  }).sort((a, b) => a - b);
}

/** The world's `path_aliases` (spelling → canonical path), or none. */
function readPaths(config: Readonly<Record<string, unknown>>): Readonly<Record<string, string>> {
  const aliases = config['path_aliases'];
  return typeof aliases === 'object' && aliases !== null ? aliases as Record<string, string> : {};
}

function readLockspaceDir(config: Readonly<Record<string, unknown>>): string | null {
  const dir = config['file_lockspace_dir'];
  if (dir === undefined || dir === null) return null;
  if (typeof dir !== 'string' || !dir.startsWith('/')) {
    throw lockError('CONFIG_UNSUPPORTED', 'file_lockspace_dir must be an absolute path');
  }
  return dir;
}

/** virtlockd's semantics. Canaries (`sim/canaries`) decorate this object. */
export const lockdModel: LockServiceModel<LockdState> = {
  name: 'model',
  summary: "in-memory reference driver with virtlockd's exact semantics",
  failure: LOCKD_FAILURE,
  usesState: false,
  locks: true,

  initial: (config) => ({
    lockspaceDir: readLockspaceDir(config),
    // `canonical_paths` is what traces recorded before alias locks called the same drivers.
    aliasLocks: readFlag(config, 'alias_locks') || readFlag(config, 'canonical_paths'),
    inode: readFlag(config, 'inode_locks'),
    paths: readPaths(config),
    entries: [],
    registrations: [],
    dead: readFlag(config, 'watch_owners') ? [] : null,
    foreign: readHosts(config, 'foreign_hosts'),
  }),
  checkResource: checkLeaseOffset,

  register(state, owner, { restrict }) {
    if (isDead(state, owner.pid)) return fail(state, deadOwner(owner.pid), 0);
    // Spelled out: a property added after a spread puts V8 (Node 20) on its slow path.
    return ok(withRegistration(state, { pid: owner.pid, host: owner.host, restricted: restrict }), null);
  },
  acquire: (state, request) => walk(state, request, acquireOne),
  release(state, request) {
    const reply = walk(state, request, releaseOne);
    return reply.ok ? ok(reply.state, null) : reply;
  },
  inquire: (state) => ok(state, null),

  callFromOwner(state, request, operation) {
    const registration = registrationOf(state, request.owner.pid);
    if (registration?.restricted) {
      return fail(state, errorData('OPERATION_DENIED',
        'operation forbidden: lock manager connection has been restricted'), 0);
    }
    return walk(state, request, operation === 'acquire' ? acquireOne : releaseOne);
  },

  ownerGone(state, owner): OwnerGoneResult<LockdState> {
    if (state.dead !== null) return watchedOwnerGone(state, owner);
    if (!registrationOf(state, owner.pid)) return { state, released: 0, kill: false };
    const { entries, released } = dropOwners(state, (held) => held.pid === owner.pid);
    const registrations = state.registrations.filter((other) => other.pid !== owner.pid);
    return { state: { ...state, entries, registrations }, released, kill: released > 0 };
  },
  daemonCrash(state, host) {
    const { entries } = dropOwners(state, (owner) => owner.host === host);
    const registrations = state.registrations.filter((other) => other.host !== host);
    return { ...state, entries, registrations };
  },
  daemonReexec: (state) => state,
  hostCrash(state, host) {
    return lockdModel.daemonCrash(state, host);
  },

  grants: lockdGrants,
  registration(state, pid) {
    const registration = registrationOf(state, pid);
    if (!registration) return 'none';
    return registration.restricted ? 'restricted' : 'registered';
  },
  encode: encodeLockd,
  relabel: relabelLockd,
};
