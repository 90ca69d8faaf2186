/**
 * The packed world, first part: a World as one run of 32-bit integers, lossless, with its
 * interned parts (statechart states, service states, disk-use lists, definitions, events,
 * strings) as numbers in this packer's tables. Unpacking gives a world equal to the one packed,
 * field for field, built on the very same interned objects — so every cache keyed by them hits,
 * and its steps are the object world's steps (the frontier of a large exploration is kept
 * packed: `Explorer`'s `packed` option; the bytes per state are in the bench).
 *
 * Drift is made impossible to miss, as issue 18 asks of any second representation:
 * - `packedDifference` compares a world with its packed-and-unpacked self — every field, and
 *   every successor: the same steps, leading to worlds with the same digests and the same
 *   checker verdicts. `test/explorer/packed.test.ts` runs it as a property over random reachable
 *   worlds (fast-check);
 * - the explorer runs it on a seeded sample of the states it packs, every run, and stops with
 *   `PackedDrift` on the first difference;
 * - the same test plants a difference in the packing and shows both fail.
 *
 * `PACKED_FIELDS` names every World field: a new field without a packing is a compile error.
 */
import type { Checker } from '../checkers/index.ts';
import type { Step } from '../steps.ts';
import { applyStep } from '../world/apply.ts';
import type { SimContext } from '../world/context.ts';
import { digestWorld } from '../world/fields.ts';
import type {
  DiskState, HostState, PendingCall, Proc, SupervisorSlot, Timer, VmState, World,
} from '../world/types.ts';
import type { FaultName } from '../faults/index.ts';
import { successorSteps } from './successors.ts';

/** Every World field, in packing order (typed: a field added to World must be added here). */
export const PACKED_FIELDS: { readonly [K in keyof World]: number } = {
  time: 0, nextPid: 1, nextSeq: 2, faults: 3, hosts: 4, vms: 5, domains: 6, procs: 7, service: 8,
  pending: 9, timers: 10, disks: 11, supervisors: 12, orphanGrants: 13,
};

/** A packed world differs from the object world it was packed from. */
export class PackedDrift extends Error {
  override readonly name = 'PackedDrift';
}

/** Packs and unpacks worlds (see the file comment). */
export class WorldPacker {
  private readonly objects: unknown[] = [null];
  private readonly ids = new Map<unknown, number>([[null, 0]]);
  private out = new Int32Array(1024);
  private n = 0;
  private words: Int32Array = this.out;
  private at = 0;

  /** The packed form of `world` (a fresh array of exactly its length). */
  pack(world: World): Int32Array {
    this.n = 0;
    this.int(world.time);
    this.int(world.nextPid);
    this.int(world.nextSeq);
    this.int(world.faults);
    this.list(world.hosts, (host) => this.packHost(host));
    this.list(world.vms, (vm) => this.packVm(vm));
    this.list(world.domains, (domain) => this.ref(domain));
    this.list(world.procs, (proc) => this.packProc(proc));
    this.ref(world.service);
    this.list(world.pending, (call) => this.packCall(call));
    this.list(world.timers, (timer) => this.packTimer(timer));
    this.list(world.disks, (disk) => this.packDisk(disk));
    this.list(world.supervisors, (slot) => this.packSupervisor(slot));
    this.list(world.orphanGrants, (grant) => this.ref(grant));
    return this.out.slice(0, this.n);
  }

  /** The world `words` packs. */
  unpack(words: Int32Array): World {
    this.words = words;
    this.at = 0;
    const time = this.next();
    const nextPid = this.next();
    const nextSeq = this.next();
    const faults = this.next();
    const hosts = this.read((): HostState => ({ libvirtd: this.next() === 1, daemonEpoch: this.next() }));
    const vms = this.read((): VmState => {
      const definition = this.object() as VmState['definition'];
      const migrating = this.next();
      const from = this.next();
      const to = this.next();
      return { definition, migration: migrating ? { from, to } : null };
    });
    const domains = this.read(() => this.object() as World['domains'][number]);
    const procs = this.read(() => this.unpackProc());
    const service = this.object();
    const pending = this.read((): PendingCall => ({
      seq: this.next(), vm: this.next(), host: this.next(), invoke: this.object() as string,
      src: this.object() as string, disks: this.object() as PendingCall['disks'],
      lockState: this.object() as string | null, pid: this.next(), orphan: this.next() === 1,
    }));
    const timers = this.read((): Timer => ({ vm: this.next(), host: this.next(),
      id: this.object() as string, event: this.object() as Timer['event'], due: this.next() }));
    const disks = this.read((): DiskState => ({ path: this.object() as string,
      writes: this.next(), liveWriters: this.read(() => ({ pid: this.next(), vm: this.next(),
        host: this.next(), mode: this.object() as DiskState['liveWriters'][number]['mode'],
        time: this.next() })) }));
    const supervisors = this.read((): SupervisorSlot | null => {
      const tag = this.next();
      if (tag === 0) return null;
      return { alive: tag === 2, manager: this.object() as SupervisorSlot['manager'],
        awaiting: this.object() as string | null };
    });
    const orphanGrants = this.read(() => this.object() as string);
    if (this.at !== words.length) throw new PackedDrift('a packed world longer than it reads');
    return { time, hosts, vms, domains, procs, service, pending, timers, disks, nextPid, nextSeq,
      faults, supervisors, orphanGrants };
  }

  /** Objects and strings in the tables. */
  get interned(): number {
    return this.objects.length - 1;
  }

  protected packProc(proc: Proc): void {
    this.int(proc.pid);
    this.int(proc.vm);
    this.int(proc.host);
    this.ref(proc.actor);
    this.ref(proc.devices);
    this.int(proc.terminating ? 1 : 0);
    if (!proc.released) this.int(-1);
    else this.list(proc.released, (r) => { this.int(r.disk); this.int(r.overtaken ? 1 : 0); });
  }

  private unpackProc(): Proc {
    const pid = this.next();
    const vm = this.next();
    const host = this.next();
    const actor = this.object() as Proc['actor'];
    const devices = this.object() as Proc['devices'];
    const terminating = this.next() === 1;
    if (this.words[this.at] === -1) {
      this.at++;
      return { pid, vm, host, actor, devices, terminating };
    }
    const released = this.read(() => ({ disk: this.next(), overtaken: this.next() === 1 }));
    return { pid, vm, host, actor, devices, terminating, released };
  }

  private packHost(host: HostState): void {
    this.int(host.libvirtd ? 1 : 0);
    this.int(host.daemonEpoch);
  }

  private packVm(vm: VmState): void {
    this.ref(vm.definition);
    this.int(vm.migration ? 1 : 0);
    this.int(vm.migration?.from ?? 0);
    this.int(vm.migration?.to ?? 0);
  }

  private packCall(call: PendingCall): void {
    this.int(call.seq);
    this.int(call.vm);
    this.int(call.host);
    this.ref(call.invoke);
    this.ref(call.src);
    this.ref(call.disks);
    this.ref(call.lockState);
    this.int(call.pid);
    this.int(call.orphan ? 1 : 0);
  }

  private packTimer(timer: Timer): void {
    this.int(timer.vm);
    this.int(timer.host);
    this.ref(timer.id);
    this.ref(timer.event);
    this.int(timer.due);
  }

  private packDisk(disk: DiskState): void {
    this.ref(disk.path);
    this.int(disk.writes);
    this.list(disk.liveWriters, (w) => {
      this.int(w.pid);
      this.int(w.vm);
      this.int(w.host);
      this.ref(w.mode);
      this.int(w.time);
    });
  }

  private packSupervisor(slot: SupervisorSlot | null): void {
    if (!slot) {
      this.int(0);
      return;
    }
    this.int(slot.alive ? 2 : 1);
    this.ref(slot.manager);
    this.ref(slot.awaiting);
  }

  protected int(value: number): void {
    if (value !== (value | 0)) throw new PackedDrift(`a world field is not a 32-bit integer: ${value}`);
    if (this.n === this.out.length) {
      const grown = new Int32Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.n++] = value;
  }

  protected ref(value: unknown): void {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.objects.length;
      this.objects.push(value);
      this.ids.set(value, id);
    }
    this.int(id);
  }

  private list<T>(items: readonly T[], each: (item: T) => void): void {
    this.int(items.length);
    for (const item of items) each(item);
  }

  private next(): number {
    return this.words[this.at++]!;
  }

  private object(): unknown {
    return this.objects[this.next()];
  }

  private read<T>(each: () => T): T[] {
    const count = this.next();
    const items: T[] = new Array(count);
    for (let i = 0; i < count; i++) items[i] = each();
    return items;
  }
}

/** What a packed-and-unpacked world must agree with its object world on. */
export interface DriftCheck {
  readonly ctx: SimContext;
  readonly faults: ReadonlySet<FaultName>;
  readonly checkers: readonly Checker[];
}

/**
 * The first difference between `world` and its packed-and-unpacked self, or null: the digest,
 * the successors' steps, and for each the digest of the world it leads to and the checkers'
 * verdicts on the transition.
 */
export function packedDifference(check: DriftCheck, packer: WorldPacker, world: World): string | null {
  const { ctx } = check;
  const copy = packer.unpack(packer.pack(world));
  if (digestWorld(ctx, copy) !== digestWorld(ctx, world)) return 'the world digests differ';
  const steps = successorSteps(ctx, world, check.faults);
  const copied = successorSteps(ctx, copy, check.faults);
  if (JSON.stringify(steps) !== JSON.stringify(copied)) return 'the successor steps differ';
  for (const step of steps) {
    const a = applyStep(ctx, world, step);
    const b = applyStep(ctx, copy, step);
    if (!a || !b) return `step ${describe(step)} applies to one world only`;
    if (digestWorld(ctx, a.world) !== digestWorld(ctx, b.world)) {
      return `step ${describe(step)} leads to different worlds`;
    }
    for (const checker of check.checkers) {
      const verdictA = checker.check?.({ ctx, before: world, after: a.world, step, lockCalls: a.lockCalls });
      const verdictB = checker.check?.({ ctx, before: copy, after: b.world, step, lockCalls: b.lockCalls });
      if ((verdictA ?? null) !== (verdictB ?? null)) {
        return `${checker.id} judges step ${describe(step)} differently`;
      }
    }
  }
  return null;
}

const describe = (step: Step) => JSON.stringify(step);
