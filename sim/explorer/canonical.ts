/**
 * The canonical form of a world, as a vector of integers, and its 64-bit fingerprint.
 *
 * Left out, because nothing that happens next depends on them: the clock (timers may fire in any
 * order, so their due times only order the trace), pid and call counters, disks' write counters,
 * the daemon epochs, call sequence numbers and, through the domain projection, error texts.
 * Pids are renumbered in the order the encoding meets them. Orders that no step reads are
 * normalised: processes by VM, timers and a disk's live writers sorted; lock calls keep their
 * order within a host (the oldest of a kind completes first, and a re-exec or a restart applies
 * a host's calls in order) but not across hosts. With symmetry on, the canonical form is the
 * least encoding over the symmetry group. `docs/explorer.md` argues each point.
 */
import type { SimContext } from '../world/context.ts';
import type { ActorState } from '../../machines/interned.ts';
import type { DiskUse, PendingCall, Proc, VmDefinition, World } from '../world/types.ts';
import { memo } from '../world/memo.ts';
import { releasedBits } from '../world/releases.ts';
import { DomainCodes } from './domain-codes.ts';
import { Interner } from './interner.ts';
import { Renaming, spellingTable } from './renaming.ts';
import { ServiceCodes } from './service-codes.ts';
import { symmetryGroup } from './symmetry.ts';

const MODE_CODES: Readonly<Record<string, number>> = { exclusive: 0, shared: 1, readonly: 2 };
/** Encoding buffers hold this many integers: far beyond any world small enough to explore. */
const CAPACITY = 1 << 16;

/** How a `Canonicaliser` reduces. */
export interface CanonicalOptions {
  /** Reduce by the symmetry group (default true). */
  readonly symmetry?: boolean;
}

/** Canonical forms and fingerprints of the worlds of one exploration (its caches included). */
export class Canonicaliser {
  readonly renamings: readonly Renaming[];
  /** True when the model cannot rename pids: raw pids, original orders, no symmetry. */
  readonly raw: boolean;
  /** The fingerprint of the last world given to `fingerprint`. */
  hi = 0;
  lo = 0;
  private readonly hosts: number;
  private readonly domains: DomainCodes;
  private readonly services: ServiceCodes;
  private readonly strings = new Interner();
  private readonly lists = new Interner();
  private readonly domainNames = new Interner();
  /** Process statechart states: a code per interned state's key, cached by its id. */
  private readonly actors = new Interner();
  private actorCodes = new Int32Array(256);
  private readonly listCodes = new WeakMap<object, Int32Array>();
  private buffer = new Int32Array(CAPACITY);
  private best = new Int32Array(CAPACITY);
  private readonly pidFrom = new Int32Array(CAPACITY);
  private pidCount = 0;
  private readonly scratch = new Int32Array(CAPACITY);
  private readonly candidates = new Int32Array(CAPACITY);
  private prefixes: Int32Array[] = [];
  private readonly callKinds = new Map<string, Map<string, Map<string | null, number>>>();
  private readonly lastDefinitions: VmDefinition[] = [];
  private readonly lastDefinitionCodes: Int32Array[] = [];

  constructor(readonly ctx: SimContext, initial: World, options: CanonicalOptions = {}) {
    const model = ctx.model;
    this.raw = typeof model.relabel !== 'function' || model.usesState;
    this.hosts = initial.hosts.length;
    const definitions = initial.vms.map((vm) => vm.definition);
    const group = symmetryGroup(this.hosts, definitions, ctx.storage,
      !this.raw && (options.symmetry ?? true));
    const spellings = spellingTable(ctx.storage);
    const renamings = group.map((symmetry) => new Renaming(symmetry, ctx.storage, spellings));
    this.services = new ServiceCodes(model, renamings);
    // A renaming the model refuses (it would break its configuration) is no symmetry.
    const accepted = this.raw ? renamings
      : renamings.filter((_, t) => this.services.accepts(initial.service, t));
    this.renamings = accepted;
    this.services = new ServiceCodes(model, accepted);
    this.domains = new DomainCodes(accepted, this.domainNames);
    this.prefixes = accepted.map(() => new Int32Array(this.prefixLength(initial)));
  }

  /**
   * Computes the fingerprint of `world`'s canonical form into `hi` and `lo`. The prefix (domain
   * states and VM configurations) is encoded under every renaming first; only the renamings
   * whose prefix is least are encoded in full.
   */
  fingerprint(world: World): void {
    const count = this.renamings.length;
    if (count === 1) {
      this.hash(this.best, this.encode(world, 0, this.best));
      return;
    }
    const prefix = this.prefixLength(world);
    // Array lengths are set without `length = 0` and `push`: resizing costs more than the rest.
    const candidates = this.candidates;
    let tied = 0;
    for (let t = 0; t < count; t++) {
      const form = this.prefixes[t]!;
      this.encodePrefix(world, t, form);
      const first = tied === 0 ? 0 : compare(form, this.prefixes[candidates[0]!]!, prefix);
      if (first < 0) tied = 0;
      if (first <= 0) candidates[tied++] = t;
    }
    let best = this.best;
    let length = this.encode(world, candidates[0]!, best);
    for (let i = 1; i < tied; i++) {
      const candidate = this.buffer;
      const n = this.encode(world, candidates[i]!, candidate);
      if (less(candidate, n, best, length)) {
        this.buffer = best;
        best = candidate;
        length = n;
      }
    }
    this.best = best;
    this.hash(best, length);
  }

  /** Encodes `world` under renaming `t` into `out`; returns the length. */
  encode(world: World, t: number, out: Int32Array): number {
    let n = this.encodePrefix(world, t, out);
    this.pidCount = 0;
    n = this.raw ? this.rawProcs(world, out, n) : this.procsByVm(world, t, out, n);
    n = this.pendingCalls(world, t, out, n);
    n = this.timers(world, t, out, n);
    n = this.writers(world, t, out, n);
    if (world.supervisors.length > 0) n = this.supervisorSlots(world, t, out, n);
    const service = this.raw ? this.services.rawCode(world.service)
      : this.services.code(world.service, t, this.knownPid);
    out[n++] = this.services.hi(service);
    out[n++] = this.services.lo(service);
    // A typed array drops writes past its end: a form that long would be silently cut.
    if (n > out.length) throw new Error(`invariant: a world too large to encode (${n} integers)`);
    return n;
  }

  /**
   * The RFC design's supervisors, per domain slot in renamed order: whether there is one, whether
   * it lives, what its manager waits for and its manager's state (by identity: interned). The
   * contexts name VMs and disks, so the RFC design is explored without symmetry.
   */
  private supervisorSlots(world: World, t: number, out: Int32Array, n: number): number {
    const r = this.renamings[t]!;
    const hosts = this.hosts;
    for (let v = 0; v < world.vms.length; v++) {
      for (let h = 0; h < hosts; h++) {
        const slot = world.supervisors[r.vmSource[v]! * hosts + r.hostSource[h]!];
        if (!slot) {
          out[n++] = 0;
          continue;
        }
        out[n++] = slot.alive ? 1 : 2;
        n = pair(this.strings, this.strings.code(slot.awaiting ?? ''), out, n);
        n = pair(this.strings, this.strings.code(slot.manager.key), out, n);
      }
    }
    return n;
  }

  private prefixLength(world: World): number {
    return world.vms.length * (2 * this.hosts + 3);
  }

  /** Domain states, then each VM's migration and configuration, in renamed order. */
  private encodePrefix(world: World, t: number, out: Int32Array): number {
    const r = this.renamings[t]!;
    const hosts = this.hosts;
    const vms = world.vms.length;
    let n = 0;
    for (let v = 0; v < vms; v++) {
      const from = r.vmSource[v]! * hosts;
      for (let h = 0; h < hosts; h++) {
        n = pair(this.domainNames, this.domains.code(t, world.domains[from + r.hostSource[h]!]!),
          out, n);
      }
    }
    for (let v = 0; v < vms; v++) {
      const state = world.vms[r.vmSource[v]!]!;
      const migration = state.migration;
      out[n++] = migration ? 1 + r.host[migration.from]! * hosts + r.host[migration.to]! : 0;
      n = pair(this.lists, this.definitionCode(t, r.vmSource[v]!, state.definition), out, n);
    }
    return n;
  }

  /** The canonical number of a pid: in the order the encoding meets pids (0 stays 0). */
  private readonly numberPid = (pid: number): number => {
    if (this.raw || pid === 0) return pid;
    for (let i = 0; i < this.pidCount; i++) if (this.pidFrom[i] === pid) return i + 1;
    this.pidFrom[this.pidCount++] = pid;
    return this.pidCount;
  };

  /** The number a pid was given, or -1 (service-only pids are numbered by `ServiceCodes`). */
  private readonly knownPid = (pid: number): number => {
    if (pid === 0) return 0;
    for (let i = 0; i < this.pidCount; i++) if (this.pidFrom[i] === pid) return i + 1;
    return -1;
  };

  private rawProcs(world: World, out: Int32Array, n: number): number {
    out[n++] = world.procs.length;
    for (const proc of world.procs) {
      n = this.proc(proc, 0, proc.vm, proc.host, out, n);
      // S9's release records (drivers with state strings, which are explored raw).
      out[n++] = releasedBits(proc);
    }
    return n;
  }

  /**
   * Processes grouped by VM. Within a VM their order is kept on three hosts or more: the source
   * a migration begins from is the first running one in that order (`migration.ts`); with two
   * hosts the source is the only host that is not the target, so the order is normalised.
   */
  private procsByVm(world: World, t: number, out: Int32Array, n: number): number {
    const r = this.renamings[t]!;
    const procs = world.procs;
    const group = this.scratch;
    for (let v = 0; v < world.vms.length; v++) {
      const source = r.vmSource[v]!;
      let count = 0;
      for (let i = 0; i < procs.length; i++) if (procs[i]!.vm === source) group[count++] = i;
      if (this.hosts <= 2 && count === 2 &&
        r.host[procs[group[0]!]!.host]! > r.host[procs[group[1]!]!.host]!) {
        const first = group[0]!;
        group[0] = group[1]!;
        group[1] = first;
      }
      out[n++] = count;
      for (let i = 0; i < count; i++) {
        const proc = procs[group[i]!]!;
        n = this.proc(proc, t, v, r.host[proc.host]!, out, n);
      }
    }
    return n;
  }

  private proc(proc: Proc, t: number, vm: number, host: number, out: Int32Array, n: number) {
    out[n++] = vm;
    out[n++] = host;
    n = pair(this.actors, this.actorCode(proc.actor), out, n);
    out[n++] = proc.terminating ? 1 : 0;
    n = pair(this.lists, this.listCode(t, proc.devices), out, n);
    out[n++] = this.numberPid(proc.pid);
    return n;
  }

  private pendingCalls(world: World, t: number, out: Int32Array, n: number): number {
    const r = this.renamings[t]!;
    if (this.raw) {
      out[n++] = world.pending.length;
      for (const call of world.pending) n = this.call(call, t, call.vm, call.host, out, n);
      return n;
    }
    for (let h = 0; h < this.hosts; h++) {
      const source = r.hostSource[h]!;
      const countAt = n++;
      let count = 0;
      for (const call of world.pending) {
        if (call.host !== source) continue;
        n = this.call(call, t, r.vm[call.vm]!, h, out, n);
        count++;
      }
      out[countAt] = count;
    }
    return n;
  }

  private call(call: PendingCall, t: number, vm: number, host: number, out: Int32Array, n: number) {
    out[n++] = vm;
    out[n++] = host;
    n = pair(this.strings, this.callCode(call), out, n);
    n = pair(this.lists, this.listCode(t, call.disks), out, n);
    out[n++] = this.numberPid(call.pid);
    out[n++] = call.orphan ? 1 : 0;
    return n;
  }

  /** A code for what a call is (invoke, actor, lock state): nested maps on the strings the
   * statecharts hand out, so no key is built per call. */
  private callCode(call: PendingCall): number {
    const bySrc = memo(this.callKinds, call.invoke, () => new Map());
    const byState = memo(bySrc, call.src, () => new Map<string | null, number>());
    return memo(byState, call.lockState,
      () => this.strings.code(`${call.invoke}\u0000${call.src}\u0000${call.lockState ?? '\u0001'}`));
  }

  private timers(world: World, t: number, out: Int32Array, n: number): number {
    const r = this.renamings[t]!;
    const timers = world.timers;
    out[n++] = timers.length;
    const first = n;
    for (let i = 0; i < timers.length; i++) {
      const timer = timers[i]!;
      out[n++] = r.vm[timer.vm]! * this.hosts + r.host[timer.host]!;
      n = pair(this.strings, this.strings.code(timer.id), out, n);
    }
    sortTriples(out, first, n);
    return n;
  }

  /** Live writers per disk: (pid, mode) pairs, sorted (their vm and host follow from the pid). */
  private writers(world: World, t: number, out: Int32Array, n: number): number {
    const r = this.renamings[t]!;
    for (let d = 0; d < world.disks.length; d++) {
      const writers = world.disks[r.diskSource[d]!]!.liveWriters;
      out[n++] = writers.length;
      const first = n;
      for (let i = 0; i < writers.length; i++) {
        const writer = writers[i]!;
        out[n++] = this.numberPid(writer.pid) * 4 + MODE_CODES[writer.mode]!;
      }
      sortRange(out, first, n);
    }
    return n;
  }

  /** The code of a process statechart state (by its key: ids differ between threads). */
  private actorCode(actor: ActorState): number {
    if (actor.id >= this.actorCodes.length) {
      const grown = new Int32Array(Math.max(this.actorCodes.length * 2, actor.id + 1));
      grown.set(this.actorCodes);
      this.actorCodes = grown;
    }
    let code = this.actorCodes[actor.id]!;
    if (code === 0) {
      code = this.actors.code(actor.key);
      this.actorCodes[actor.id] = code;
    }
    return code;
  }

  /** A code for a list of disk uses under renaming `t` (memoised per list object). */
  private listCode(t: number, uses: readonly DiskUse[]): number {
    let codes = this.listCodes.get(uses);
    if (!codes) {
      codes = new Int32Array(this.renamings.length);
      this.listCodes.set(uses, codes);
    }
    let code = codes[t]!;
    if (code === 0) {
      const r = this.renamings[t]!;
      code = this.lists.code(uses.map((use) => r.useOf(use)).join(','));
      codes[t] = code;
    }
    return code;
  }

  private definitionCode(t: number, vm: number, definition: VmDefinition): number {
    // Definitions change only when a path is aliased: remembering each VM's last one skips the
    // lookups.
    let codes = definition === this.lastDefinitions[vm] ? this.lastDefinitionCodes[vm]
      : this.listCodes.get(definition);
    if (!codes) {
      codes = new Int32Array(this.renamings.length);
      this.listCodes.set(definition, codes);
    }
    this.lastDefinitions[vm] = definition;
    this.lastDefinitionCodes[vm] = codes;
    let code = codes[t]!;
    if (code === 0) {
      const disks = this.listCode(t, definition.disks);
      // Keyed by the lists' stable hashes, not their local codes (see `Interner`).
      const spares = this.listCode(t, definition.spares);
      code = this.lists.code(`${this.lists.hi(disks)},${this.lists.lo(disks)}|` +
        `${this.lists.hi(spares)},${this.lists.lo(spares)}`);
      codes[t] = code;
    }
    return code;
  }

  /** Two 32-bit hashes (xxHash32-style rounds with different seeds) of the form. */
  private hash(form: Int32Array, length: number): void {
    let a = 0x9e3779b1 ^ length;
    let b = 0x85ebca77 ^ Math.imul(length, 0xc2b2ae3d);
    for (let i = 0; i < length; i++) {
      const k = form[i]!;
      a = Math.imul(rotl(a + Math.imul(k, 0x85ebca77), 13), 0x9e3779b1);
      b = Math.imul(rotl(b ^ Math.imul(k + i, 0xc2b2ae3d), 17), 0x27d4eb2f);
    }
    this.hi = avalanche(a ^ Math.imul(b, 0x165667b1));
    this.lo = avalanche(b + Math.imul(a, 0xd3a2646c));
  }
}

/** Writes the stable pair of hashes of an interned code (see `Interner`). */
function pair(interner: Interner, code: number, out: Int32Array, n: number): number {
  out[n] = interner.hi(code);
  out[n + 1] = interner.lo(code);
  return n + 2;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function avalanche(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Sorts `form[from…to)` ascending (insertion sort: the ranges hold a handful of entries). */
function sortRange(form: Int32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const key = form[i]!;
    let j = i - 1;
    while (j >= from && form[j]! > key) {
      form[j + 1] = form[j]!;
      j--;
    }
    form[j + 1] = key;
  }
}

/** Sorts the triples of `form[from…to)` ascending (insertion sort: a handful of timers). */
function sortTriples(form: Int32Array, from: number, to: number): void {
  for (let i = from + 3; i < to; i += 3) {
    const a = form[i]!;
    const b = form[i + 1]!;
    const c = form[i + 2]!;
    let j = i - 3;
    while (j >= from && tripleAfter(form, j, a, b, c)) {
      form[j + 3] = form[j]!;
      form[j + 4] = form[j + 1]!;
      form[j + 5] = form[j + 2]!;
      j -= 3;
    }
    form[j + 3] = a;
    form[j + 4] = b;
    form[j + 5] = c;
  }
}

function tripleAfter(form: Int32Array, j: number, a: number, b: number, c: number): boolean {
  if (form[j] !== a) return form[j]! > a;
  if (form[j + 1] !== b) return form[j + 1]! > b;
  return form[j + 2]! > c;
}

/** Sign of the comparison of the first `length` entries of `a` and `b`. */
function compare(a: Int32Array, b: Int32Array, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function less(a: Int32Array, aLength: number, b: Int32Array, bLength: number): boolean {
  const length = Math.min(aLength, bLength);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]!;
  }
  return aLength < bLength;
}
