/**
 * Records a replayed run for the report, step by step, as a session observer: each lane's
 * value is compared with its last one and only changes are kept (segments), so memory grows
 * with what changed, not with steps × lanes. Identity checks skip lanes whose part of the world
 * is the very same object as before (worlds share what a step did not touch).
 */
import type { ActorState } from '../../machines/interned.ts';
import type { ObservedStep, SessionObserver } from '../../sim/run/session.ts';
import { describeStep } from '../../sim/steps/index.ts';
import { faultOf } from '../../sim/steps.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';
import type { SimContext } from '../../sim/world/context.ts';
import type { ActorTransition } from '../../sim/world/draft.ts';
import type { Proc, World } from '../../sim/world/types.ts';
import { domainStates, processStates } from './chart-states.ts';
import { deltaEncode, Interner } from './encode.ts';
import {
  diskValue, grantView, hostValue, layoutLanes, procSlots, type Keyed,
} from './lanes.ts';
import type { Lane, LaneKind, ReportData } from './model.ts';

/** What the recorder does not learn from the steps themselves. */
export type RecordedParts = Omit<ReportData, 'title' | 'summary' | 'truncated' | 'ended' |
  'verdict' | 'healStart'>;

interface LaneRef {
  readonly at: number;
  readonly host: number;
  readonly disk: number;
  readonly slot: number;
}

/** A session observer that records a replay as report data (see the module comment). */
export class TimelineRecorder implements SessionObserver {
  readonly lanes: readonly Lane[];
  private readonly names: readonly string[];
  private readonly tables: Record<LaneKind, Interner<unknown>> = {
    host: new Interner(), domain: new Interner(), proc: new Interner(), lockd: new Interner(),
    disk: new Interner(),
  };
  private readonly domainStates = domainStates();
  private readonly processStates = processStates();
  private readonly starts: number[][];
  private readonly values: number[][];
  private readonly pids: number[][];
  private readonly descriptions = new Interner<string>();
  private readonly description: number[] = [];
  private readonly time: number[] = [];
  private readonly texts = new Interner<string>();
  private readonly notes: number[][] = [];
  private readonly eventCounts: number[] = [];
  private readonly events: number[] = [];
  private readonly faults: [number, number, number, number][] = [];
  private readonly writes: [number, number][] = [];
  /** What each lane was computed from last time (identity checks). */
  private lastDomains: readonly ActorState[] = [];
  private lastProcs: (Proc | undefined)[] = [];
  private lastService: unknown = undefined;
  private lastDisks: World['disks'] = [];
  private lastPending: World['pending'] = [];
  private lastTimers: World['timers'] = [];
  /** Per lane: its current segment shows a process that died (to clear on the next step). */
  private readonly showsDeath: boolean[];
  /** Lane positions by kind, with each lane's slot (`vm * hosts + host`). */
  private readonly byKind: Record<LaneKind, LaneRef[]>;

  constructor(private readonly ctx: SimContext, header: TraceHeader) {
    this.names = header.definitions.map((definition) => definition.name);
    this.lanes = layoutLanes(header.shape.hosts, this.names, header.shape.disks);
    this.starts = this.lanes.map(() => []);
    this.values = this.lanes.map(() => []);
    this.pids = this.lanes.map(() => []);
    this.showsDeath = this.lanes.map(() => false);
    this.byKind = { host: [], domain: [], proc: [], lockd: [], disk: [] };
    this.lanes.forEach((lane, at) => this.byKind[lane.kind].push({ at, host: lane.host,
      disk: lane.disk, slot: lane.vm * header.shape.hosts + lane.host }));
  }

  step(observed: ObservedStep): void {
    const { index, step, after } = observed;
    this.description.push(this.descriptions.add(describeStep(step, this.names)));
    this.time.push(after.time);
    if (observed.notes.length > 0) {
      this.notes.push([index, ...observed.notes.map((note) => this.texts.add(note))]);
    }
    this.eventCounts.push(observed.transitions.length);
    for (const t of observed.transitions) {
      const slot = t.vm * after.hosts.length + t.host;
      this.events.push(slot * 2 + (t.machine === 'domain' ? 0 : 1), this.texts.add(eventText(t)));
    }
    const fault = faultOf(step);
    if (fault) {
      const target = step as { host?: number; vm?: number };
      this.faults.push([index, this.texts.add(fault), target.host ?? -1, target.vm ?? -1]);
    }
    if (step.kind === 'write') this.writes.push([index, step.disk]);
    this.recordLanes(index, after, observed.transitions);
  }

  /** The recorded data, encoded for the page. */
  parts(): RecordedParts {
    return {
      vmNames: this.names,
      diskPaths: [...Array(this.ctx.shape.disks).keys()].map((d) => this.ctx.storage.canonical(d)),
      hosts: this.ctx.shape.hosts,
      steps: this.description.length,
      lanes: this.lanes,
      tables: {
        host: this.tables.host.items, domain: this.tables.domain.items,
        proc: this.tables.proc.items, lockd: this.tables.lockd.items, disk: this.tables.disk.items,
      },
      segments: this.starts.map((starts, lane) => ({
        starts: deltaEncode(starts), values: this.values[lane]!,
        ...(this.lanes[lane]!.kind === 'proc' ? { pids: deltaEncode(this.pids[lane]!) } : {}),
      })),
      domainStates: this.domainStates.items,
      processStates: this.processStates.items,
      descriptions: this.descriptions.items,
      description: this.description,
      time: deltaEncode(this.time),
      texts: this.texts.items,
      notes: deltaEncodeFirst(this.notes),
      eventCounts: this.eventCounts,
      events: this.events,
      faults: this.faults,
      writes: this.writes,
    };
  }

  private recordLanes(index: number, world: World, transitions: readonly ActorTransition[]): void {
    const lanes = this.byKind;
    if (index === 0 || !sameItems(world.pending, this.lastPending) ||
      !sameItems(world.timers, this.lastTimers)) {
      for (const lane of lanes.host) {
        this.setKeyed(lane.at, index, 'host', hostValue(world, lane.host));
      }
    }
    for (const lane of lanes.domain) {
      const state = world.domains[lane.slot]!;
      if (state === this.lastDomains[lane.slot]) continue;
      const chart = this.domainStates.of(state);
      this.set(lane.at, index, this.tables.domain.add(chart, String(chart)));
    }
    this.recordProcesses(index, world, transitions);
    if (world.service !== this.lastService || !sameItems(world.disks, this.lastDisks)) {
      const view = grantView(this.ctx, world);
      for (const lane of lanes.lockd) {
        this.setKeyed(lane.at, index, 'lockd', view.daemons[lane.host]!);
      }
      for (const lane of lanes.disk) {
        this.setKeyed(lane.at, index, 'disk', diskValue(world, lane.disk, view));
      }
    }
    this.lastDomains = world.domains;
    this.lastService = world.service;
    this.lastDisks = world.disks;
    this.lastPending = world.pending;
    this.lastTimers = world.timers;
  }

  /**
   * Process lanes: the live QEMU of each slot, or the one that died in this step (shown dead for
   * that step only, then cleared).
   */
  private recordProcesses(index: number, world: World, transitions: readonly ActorTransition[]) {
    const slots = procSlots(world);
    const dead = deaths(transitions, world.hosts.length);
    for (const lane of this.byKind.proc) {
      const death = dead?.get(lane.slot);
      const proc = slots[lane.slot];
      if (!death && proc === this.lastProcs[lane.slot] && index > 0 && !this.showsDeath[lane.at]) {
        continue;
      }
      const value = death ? [this.processStates.of(death.after), 0, 1]
        : proc ? [this.processStates.of(proc.actor), proc.terminating ? 1 : 0, 0] : null;
      this.set(lane.at, index, this.tables.proc.add(value, String(value)),
        death?.pid ?? proc?.pid ?? 0);
      this.showsDeath[lane.at] = death !== undefined;
    }
    this.lastProcs = slots;
  }

  private setKeyed(lane: number, index: number, kind: LaneKind, keyed: Keyed): void {
    this.set(lane, index, this.tables[kind].add(keyed.value, keyed.key));
  }

  /** Starts a new segment when the lane's value (or, for a process lane, its pid) changed. */
  private set(lane: number, index: number, value: number, pid = 0): void {
    const values = this.values[lane]!;
    const pids = this.pids[lane]!;
    const last = values.length - 1;
    if (last >= 0 && values[last] === value && (pids[last] ?? 0) === pid) return;
    this.starts[lane]!.push(index);
    values.push(value);
    pids.push(pid);
  }
}

/** An event as the page lists it (its target is stored apart: a pid would defeat interning). */
function eventText(t: ActorTransition): string {
  const error = (t.event as { error?: { code?: string } }).error?.code;
  return `${t.event.type}${error ? ` (${error})` : ''}${t.handled ? '' : ' — not handled'}`;
}

/** Processes that died in this step, by slot, with their final state. */
function deaths(transitions: readonly ActorTransition[], hosts: number) {
  let dead: Map<number, { pid: number; after: ActorState }> | null = null;
  for (const t of transitions) {
    if (t.machine === 'process' && t.after.snapshot.status === 'done') {
      dead ??= new Map();
      dead.set(t.vm * hosts + t.host, { pid: t.pid!, after: t.after });
    }
  }
  return dead;
}

/** Whether two lists hold the very same elements (worlds share unchanged ones). */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Delta-encodes the first number of each run (the step), keeping the rest as they are. */
function deltaEncodeFirst(runs: readonly number[][]): number[][] {
  let previous = 0;
  return runs.map(([step, ...rest]) => {
    const delta = step! - previous;
    previous = step!;
    return [delta, ...rest];
  });
}
