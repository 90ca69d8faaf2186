/**
 * The one description of a World's fields, and how each enters the three ways a world is
 * encoded:
 *
 * - the **digest** (`digestWorld`), recorded with every trace step: exact, so a replay proves it
 *   reproduced the run (every field that is hashed, hashed as it is);
 * - the **state** the explorer keeps (`sim/explorer/canonical.ts`, optimised, symmetry-reduced):
 *   a field is kept when what happens next may depend on it, dropped (with the reason) when not;
 * - the **plain key** (`plainKey`): the same state as a readable string, built without caches or
 *   codes, that the tests hold the canonical form to.
 *
 * `WORLD_FIELDS` is typed over `keyof World`: a new field without a rule is a compile error, and
 * `test/house/world-fields.test.ts` changes each field of a world in turn and checks that each
 * encoding notices exactly the fields this description says it keeps.
 */
import type { LockServiceModel } from '../../contract/service.ts';
import { fnv1a } from '../../machines/interned.ts';
import type { Symmetry } from '../explorer/symmetry.ts';
import type { SimContext } from './context.ts';
import type { Storage } from './storage.ts';
import { releasedBits } from './releases.ts';
import type { DiskUse, World } from './types.ts';

/** Renamings for the plain key: a symmetry image, pids numbered as met. */
export interface Naming {
  vm(v: number): number;
  host(h: number): number;
  path(name: string): string;
  pid(p: number): number;
  /** Whether `p` was already numbered (mentioned by the parts before). */
  known(p: number): boolean;
  readonly hosts: number;
  readonly model: LockServiceModel<unknown>;
  readonly symmetry: Symmetry | undefined;
}

export interface FieldRule<K extends keyof World> {
  /** How the field enters the digest; `null` with `unhashed` saying why not. */
  readonly digest: ((hash: number, value: World[K], ctx: SimContext) => number) | null;
  readonly unhashed?: string;
  /** Kept in the explorer's state, or dropped and why. */
  readonly state: 'kept' | { readonly dropped: string };
  /** The field's parts of the plain key (kept fields only). */
  readonly plain?: (value: World[K], naming: Naming, world: World) => readonly string[];
}

export const mix = (hash: number, value: number): number =>
  Math.imul(hash ^ (value >>> 0), 0x01000193) >>> 0;

const serviceHashes = new WeakMap<object, number>();

function serviceHash(ctx: SimContext, service: unknown): number {
  if (typeof service !== 'object' || service === null) return fnv1a(ctx.model.encode(service));
  let hash = serviceHashes.get(service);
  if (hash === undefined) {
    hash = fnv1a(ctx.model.encode(service));
    serviceHashes.set(service, hash);
  }
  return hash;
}

const plainUses = (list: readonly DiskUse[], naming: Naming) =>
  list.map((use) => `${naming.path(use.path)}:${use.mode}`).join('+');

/**
 * Every field of a World, in the order the digest hashes them (which is the digest: traces
 * recorded before this description replay byte for byte).
 */
export const WORLD_FIELDS: { readonly [K in keyof World]: FieldRule<K> } = {
  time: {
    digest: (hash, time) => mix(hash, time),
    state: { dropped: 'timers may fire in any order, so due times only order the trace' },
  },
  hosts: {
    digest: (hash, hosts) => hosts.reduce((h, host) => mix(h, host.daemonEpoch), hash),
    state: { dropped: 'daemon epochs only count restarts; libvirtd restarts at once' },
  },
  domains: {
    digest: (hash, domains) => domains.reduce((h, domain) => mix(h, domain.hash), hash),
    state: 'kept',
    plain: (domains, naming) => {
      const slots: string[] = [];
      domains.forEach((domain, i) => {
        // Error texts are left out: nothing reads them but the trace.
        const { lastError: _e, reconnected: _r, ...context } =
          domain.snapshot.context as Record<string, unknown>;
        const renamed = JSON.stringify(context, (_key, value: { kind?: string; name?: string }) =>
          value && typeof value === 'object' && value.kind === 'disk' && typeof value.name === 'string'
            ? { ...value, name: naming.path(value.name) } : value);
        slots[naming.vm(Math.floor(i / naming.hosts)) * naming.hosts + naming.host(i % naming.hosts)] =
          `D${JSON.stringify(domain.snapshot.value)}${renamed}`;
      });
      return slots;
    },
  },
  procs: {
    digest: (hash, procs) => procs.reduce((h, proc) => {
      let next = mix(mix(mix(h, proc.pid), proc.actor.hash), proc.terminating ? 1 : 0);
      for (const use of proc.devices) next = mix(mix(next, use.disk), fnv1a(use.mode + use.path));
      // Only drivers with state strings keep release records: other worlds digest as before.
      return proc.released ? mix(next, releasedBits(proc)) : next;
    }, hash),
    state: 'kept',
    plain: (procs, naming) => {
      // By VM; by host too on two hosts, where their order within a VM cannot matter (a
      // migration begins from the first running one of a VM, and on two hosts only one can be
      // the source).
      const sorted = [...procs].sort((a, b) => naming.vm(a.vm) - naming.vm(b.vm) ||
        (naming.hosts <= 2 ? naming.host(a.host) - naming.host(b.host) : 0));
      return sorted.map((p) => `P${naming.vm(p.vm)}@${naming.host(p.host)}:` +
        `${JSON.stringify(p.actor.snapshot.value)}:${p.terminating}:${plainUses(p.devices, naming)}:` +
        `${naming.pid(p.pid)}${p.released ? `:R${releasedBits(p)}` : ''}`);
    },
  },
  service: {
    digest: (hash, service, ctx) => mix(hash, serviceHash(ctx, service)),
    state: 'kept',
    // Named last (below): owners only the service mentions are numbered after the others.
    plain: (service, naming) => [`S${plainService(service, naming)}`],
  },
  pending: {
    digest: (hash, pending) => pending.reduce((h, call) =>
      mix(mix(mix(h, call.seq), call.pid), fnv1a(call.invoke + (call.orphan ? '!' : ''))), hash),
    state: 'kept',
    plain: (pending, naming) => [...pending].sort((a, b) => naming.host(a.host) - naming.host(b.host))
      .map((c) => `C${naming.vm(c.vm)}@${naming.host(c.host)}:${c.invoke}:${c.src}:` +
        `${plainUses(c.disks, naming)}:${c.lockState}:${naming.pid(c.pid)}:${c.orphan}`),
  },
  timers: {
    digest: (hash, timers) => timers.reduce((h, timer) => mix(mix(h, timer.due), fnv1a(timer.id)), hash),
    state: 'kept',
    plain: (timers, naming) => [`T${timers.map((t) => `${naming.vm(t.vm)}@${naming.host(t.host)}:${t.id}`)
      .sort().join(',')}`],
  },
  disks: {
    digest: (hash, disks) => disks.reduce((h, disk) =>
      disk.liveWriters.reduce((w, writer) => mix(w, writer.pid), mix(h, disk.writes)), hash),
    state: 'kept',
    plain: (disks, naming) => {
      const writers: string[] = [];
      disks.forEach((disk, d) => {
        writers[naming.symmetry?.disk[d] ?? d] =
          `W${disk.liveWriters.map((w) => `${naming.pid(w.pid)}:${w.mode}`).sort().join(',')}`;
      });
      return writers;
    },
  },
  vms: {
    digest: (hash, vms) => vms.reduce((h, vm) => {
      let next = h;
      for (const use of vm.definition.disks) next = mix(next, fnv1a(use.path));
      return mix(next, vm.migration ? vm.migration.from * 16 + vm.migration.to + 1 : 0);
    }, hash),
    state: 'kept',
    plain: (vms, naming) => {
      const parts: string[] = [];
      vms.forEach((state, v) => {
        const m = state.migration;
        parts[naming.vm(v)] = `V${m ? `${naming.host(m.from)}>${naming.host(m.to)}` : '-'}` +
          `${plainUses(state.definition.disks, naming)}|${plainUses(state.definition.spares, naming)}`;
      });
      return parts;
    },
  },
  nextPid: {
    digest: (hash, nextPid) => mix(hash, nextPid),
    state: { dropped: 'pids are renumbered in the order the encoding meets them' },
  },
  faults: {
    digest: (hash, faults) => mix(hash, faults),
    state: { dropped: 'the fault budget used is kept beside the state (the visited set), so a ' +
      'visit with budget left is not dominated by one without' },
  },
  supervisors: {
    // An empty table (the libvirt design) hashes as nothing: its traces keep their digests.
    digest: (hash, slots) => slots.reduce((h, slot) => (slot === null ? mix(h, 0)
      : mix(mix(mix(h, slot.alive ? 1 : 2), slot.manager.hash), fnv1a(slot.awaiting ?? ''))), hash),
    state: 'kept',
    // Only the slots in use, each at its renamed VM and host; the manager by its canonical key
    // (the RFC design is explored without symmetry: these contexts name VMs and disks).
    plain: (slots, naming) => {
      const parts: string[] = [];
      slots.forEach((slot, i) => {
        if (slot === null) return;
        const v = naming.vm(Math.floor(i / naming.hosts));
        const h = naming.host(i % naming.hosts);
        parts.push(`U${v}@${h}:${slot.alive}:${slot.awaiting ?? '-'}:${slot.manager.key}`);
      });
      return parts.sort();
    },
  },
  orphanGrants: {
    digest: null,
    unhashed: 'follows from the steps and the service states they led through; a replay that ' +
      'reproduces those reproduces it',
    state: { dropped: 'only tells how grants of dead owners came about, to name a liveness ' +
      'finding (S7 or the known S7d): the path that first reached a state carries it' },
  },
  nextSeq: {
    digest: null,
    unhashed: 'sequence numbers follow from the steps; the calls in flight are hashed',
    state: { dropped: 'only numbers calls for the trace' },
  },
};

const FIELD_ORDER = Object.keys(WORLD_FIELDS) as (keyof World)[];

/**
 * A short digest of a world, recorded with every trace step so that a replay can prove it
 * reproduced the run exactly (and notice a model that changed underneath a trace). Interned
 * actors carry the hash of their canonical key; the service state's encoding is hashed once per
 * distinct state object.
 */
export function digestWorld(ctx: SimContext, world: World): string {
  let hash = 0x811c9dc5;
  for (const field of FIELD_ORDER) {
    const digest = WORLD_FIELDS[field].digest as ((h: number, v: unknown, c: SimContext) => number) | null;
    if (digest) hash = digest(hash, world[field], ctx);
  }
  return hash.toString(16).padStart(8, '0');
}

/** The parts of the plain key, in this order (the service last: it numbers leftover pids). */
const PLAIN_ORDER: readonly (keyof World)[] = ['domains', 'vms', 'procs', 'pending', 'timers',
  'disks', 'supervisors', 'service'];

/**
 * The plain key of `world` — everything the explorer's state keeps, as a string — or of its
 * image under `symmetry` (paths renamed through `storage`). Two worlds are the same state for the
 * explorer exactly when their plain keys are equal.
 */
export function plainKey(model: LockServiceModel<unknown>, world: World, symmetry?: Symmetry,
  storage?: Storage): string {
  const pids = new Map<number, number>();
  const naming: Naming = {
    hosts: world.hosts.length,
    model,
    symmetry,
    vm: (v) => symmetry?.vm[v] ?? v,
    host: (h) => symmetry?.host[h] ?? h,
    path: (name) => renamePath(name, symmetry, storage),
    pid: (p) => {
      if (p === 0) return 0;
      if (!pids.has(p)) pids.set(p, pids.size + 1);
      return pids.get(p)!;
    },
    known: (p) => p === 0 || pids.has(p),
  };
  const parts: string[] = [];
  for (const field of PLAIN_ORDER) {
    const plain = WORLD_FIELDS[field].plain as
      ((value: unknown, naming: Naming, world: World) => readonly string[]) | undefined;
    parts.push(...plain!(world[field], naming, world));
  }
  return parts.join('\n');
}

function renamePath(name: string, symmetry: Symmetry | undefined, storage: Storage | undefined) {
  if (!symmetry || !storage) return name;
  for (let d = 0; d < storage.count; d++) {
    for (let n = 0; n < 3; n++) {
      if (storage.spelling(d, n) === name) return storage.spelling(symmetry.disk[d]!, n);
    }
  }
  return name;
}

/**
 * The service state with its owners renamed: the ones the rest of the world mentions by their
 * number, the ones only the service mentions (gone processes) by where the renamed state
 * mentions them first.
 */
function plainService(service: unknown, naming: Naming): string {
  const model = naming.model;
  const placeholder = (p: number) => (naming.known(p) ? naming.pid(p) : 1e9 + p);
  const renamed = model.relabel!(service, { pid: placeholder, host: naming.host,
    resource: naming.path });
  const gone: number[] = [];
  model.relabel!(renamed, { pid: (p) => (p >= 1e9 && !gone.includes(p) ? gone.push(p) : 0),
    host: (h) => h, resource: (r) => r });
  const relabelled = model.relabel!(renamed, { pid: (p) => (p >= 1e9 ? -1 - gone.indexOf(p) : p),
    host: (h) => h, resource: (r) => r });
  return model.encode(relabelled);
}
