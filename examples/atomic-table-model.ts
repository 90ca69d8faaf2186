/**
 * An example lockchart plugin: a service model (docs/plugins.md), the lock service of a
 * driver design that differs from virtlockd's in two ways:
 *
 * - **atomic calls**: an acquire checks every disk first and takes all or none; a release
 *   likewise. A failure changes nothing — but a reply can be lost after the table changed (a
 *   daemon re-exec), so what a failed call left is nothing or everything: `all-or-nothing`.
 * - **an owner's end releases**: when an owner's connection closes, the daemon takes it for the
 *   owner's end, releases everything it held, whether the connection was registered or not,
 *   and never grants a lock to that pid again.
 *
 * The safety matrix shows what the second choice costs: a connection closed while QEMU still
 * runs (`connection-drop`) looks like its end, and the running VM loses its locks (S2).
 *
 * Disks are locked by their canonical path (the world's `path_aliases`), so two spellings of
 * one disk are one lock. Each host runs its own daemon; locks exclude across hosts, as on
 * shared storage.
 *
 * Run it: `lockchart sim --driver examples/atomic-table-model.ts --faults daemon-crash`,
 * `lockchart conform --driver examples/atomic-table-model.ts`,
 * `lockchart matrix --drivers examples/atomic-table-model.ts`.
 */
import { normalize } from 'node:path';
import type { DriverConfig } from '../contract/driver.ts';
import { errorData, type LockErrorData } from '../contract/errors.ts';
import type { ResourceSpec } from '../contract/resources.ts';
import {
  fail, ok, type Grant, type LockServiceModel, type Owner, type ServiceReply, type ServiceRequest,
} from '../contract/service.ts';

interface Entry {
  /** The canonical path. */
  readonly key: string;
  /** The path as first requested. */
  readonly resource: string;
  readonly shared: boolean;
  /** In acquisition order; a pid once per shared acquire. */
  readonly owners: readonly Owner[];
}

interface Registration extends Owner {
  readonly restricted: boolean;
}

export interface AtomicTableState {
  /** Spelling → canonical path, from the world (`path_aliases`). */
  readonly aliases: Readonly<Record<string, string>>;
  /** Sorted by key. */
  readonly entries: readonly Entry[];
  /** Sorted by pid. */
  readonly registrations: readonly Registration[];
  /** Owners known dead, sorted. */
  readonly dead: readonly number[];
}

type State = AtomicTableState;

const keyOf = (state: State, name: string) => state.aliases[name] ?? normalize(name);

const busy = (name: string, what: string): LockErrorData =>
  errorData('RESOURCE_BUSY', `resource busy: disk '${name}' ${what}`, { resource: name });

const byKey = (a: Entry, b: Entry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The disks a call is about: read-only ones are never locked. */
const lockable = (request: ServiceRequest) =>
  request.resources.filter((resource) => resource.mode !== 'readonly');

function acquireAll(state: State, request: ServiceRequest): ServiceReply<State> {
  const { owner } = request;
  if (state.dead.includes(owner.pid)) {
    return fail(state, errorData('OPERATION_INVALID', `owner pid ${owner.pid} is not running`), 0);
  }
  const entries = new Map(state.entries.map((entry) => [entry.key, entry]));
  // Check everything first, on the table as it grows: taking x twice in one call conflicts too.
  for (const resource of lockable(request)) {
    const key = keyOf(state, resource.name);
    const shared = resource.mode === 'shared';
    const entry = entries.get(key);
    if (entry && !(entry.shared && shared)) return fail(state, busy(resource.name, 'is locked'), 0);
    entries.set(key, entry ? { ...entry, owners: [...entry.owners, owner] }
      : { key, resource: resource.name, shared, owners: [owner] });
  }
  return ok({ ...state, entries: [...entries.values()].sort(byKey) }, null);
}

function releaseAll(state: State, request: ServiceRequest): ServiceReply<State, string | null> {
  const { owner } = request;
  const entries = new Map(state.entries.map((entry) => [entry.key, entry]));
  for (const resource of lockable(request)) {
    const key = keyOf(state, resource.name);
    const entry = entries.get(key);
    if (!entry) return fail(state, busy(resource.name, 'is not locked'), 0);
    const mine = entry.owners.findIndex((held) => held.pid === owner.pid);
    if (mine < 0) {
      return fail(state, errorData('INTERNAL_ERROR',
        `owner ${owner.pid} does not hold the lock of '${resource.name}'`), 0);
    }
    const owners = entry.owners.filter((_, index) => index !== mine);
    if (owners.length === 0) entries.delete(key);
    else entries.set(key, { ...entry, owners });
  }
  return ok({ ...state, entries: [...entries.values()].sort(byKey) }, null);
}

/** Drops every grant of owners `drop` picks, and their registrations. */
function without(state: State, drop: (owner: Owner) => boolean): { state: State; released: number } {
  let released = 0;
  const entries: Entry[] = [];
  for (const entry of state.entries) {
    const owners = entry.owners.filter((owner) => !drop(owner));
    released += entry.owners.length - owners.length;
    if (owners.length > 0) entries.push({ ...entry, owners });
  }
  return { state: { ...state, entries,
    registrations: state.registrations.filter((registration) => !drop(registration)) }, released };
}

function checkResource(resource: ResourceSpec): LockErrorData | null {
  return resource.kind === 'disk' ? null : errorData('CONFIG_UNSUPPORTED',
    `atomic-table locks disks only, not lease '${resource.name}'`, { resource: resource.name });
}

export const model: LockServiceModel<State> = {
  name: 'atomic-table',
  summary: 'all-or-nothing calls, owners watched by pid, canonical paths',
  failure: {
    acquire: 'all-or-nothing',
    release: 'all-or-nothing',
    rationale: 'a call checks every disk before it changes the table, so a refusal changes ' +
      'nothing; a reply lost after the change (re-exec) leaves all of it done',
  },
  usesState: false,
  locks: true,

  initial(config: DriverConfig): State {
    const aliases = config['path_aliases'];
    return {
      aliases: typeof aliases === 'object' && aliases !== null ? aliases as Record<string, string> : {},
      entries: [], registrations: [], dead: [],
    };
  },
  checkResource,

  register(state, owner, { restrict }) {
    if (state.dead.includes(owner.pid)) {
      return fail(state, errorData('OPERATION_INVALID', `owner pid ${owner.pid} is not running`), 0);
    }
    const registrations = [...state.registrations.filter((other) => other.pid !== owner.pid),
      { ...owner, restricted: restrict }].sort((a, b) => a.pid - b.pid);
    return ok({ ...state, registrations }, null);
  },
  acquire: acquireAll,
  release: releaseAll,
  inquire: (state) => ok(state, null),
  callFromOwner(state, request, operation) {
    const registration = state.registrations.find((other) => other.pid === request.owner.pid);
    if (registration?.restricted) {
      return fail(state, errorData('OPERATION_DENIED',
        'operation forbidden: the connection is restricted'), 0);
    }
    const reply = operation === 'acquire' ? acquireAll(state, request) : releaseAll(state, request);
    return reply.ok ? ok(reply.state, null) : reply;
  },

  ownerGone(state, owner) {
    const { state: next, released } = without(state, (held) => held.pid === owner.pid);
    const dead = next.dead.includes(owner.pid) ? next.dead
      : [...next.dead, owner.pid].sort((a, b) => a - b);
    return { state: { ...next, dead }, released, kill: false };
  },
  daemonCrash: (state, host) => without(state, (owner) => owner.host === host).state,
  daemonReexec: (state) => state,
  hostCrash: (state, host) => without(state, (owner) => owner.host === host).state,

  grants(state): Grant[] {
    return state.entries.flatMap((entry) => entry.owners.map((owner) => ({
      key: entry.key, resource: entry.resource, owner: owner.pid, host: owner.host,
      mode: entry.shared ? 'shared' as const : 'exclusive' as const,
    })));
  },
  registration(state, pid) {
    const registration = state.registrations.find((other) => other.pid === pid);
    return !registration ? 'none' : registration.restricted ? 'restricted' : 'registered';
  },
  encode(state) {
    const entries = state.entries.map((entry) => `${entry.key}${entry.shared ? 's' : 'x'}` +
      entry.owners.map((owner) => `${owner.pid}@${owner.host}`).join(',')).join(';');
    const registrations = state.registrations.map((registration) =>
      `${registration.pid}@${registration.host}${registration.restricted ? 'r' : ''}`).join(';');
    return `${entries}|${registrations}|${state.dead.join(',')}`;
  },
};
