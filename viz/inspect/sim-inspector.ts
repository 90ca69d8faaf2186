/**
 * Live inspection of a simulated run. The simulator steps its statecharts purely, so no XState
 * runtime emits inspection events; this session observer emits them instead, from the events
 * each step delivered (`ObservedStep.transitions`), in the order they were delivered — calls,
 * notifications, invoke done/error events, process commands and deaths alike:
 *
 * - `@xstate.actor` for every domain (`vm0@h1`) when the run starts, and for every QEMU process
 *   (`qemu:104`, a child of its domain) when it is launched;
 * - `@xstate.event` then `@xstate.snapshot` (value, context, status) for each delivered event;
 * - when a fault rebuilds a domain without an event (libvirtd restart, host crash, a path
 *   alias), the old actor stops (`xstate.stop`) and a new incarnation (`vm0@h1#2`) appears.
 */
import type { AnyEventObject } from 'xstate';
import { domainMachine } from '../../machines/domain.machine.ts';
import { processMachine } from '../../machines/process.machine.ts';
import type { ObservedStep, SessionObserver } from '../../sim/run/session.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';
import type { ActorTransition } from '../../sim/world/draft.ts';
import type { ActorState } from '../../machines/interned.ts';
import type { World } from '../../sim/world/types.ts';
import { inspectedSnapshot, type SimPlace } from './events.ts';
import type { InspectionSink } from './sink.ts';

const STOP: AnyEventObject = { type: 'xstate.stop' };

/** A session observer that reports every statechart event of the run to `sink`. */
export function simInspector(sink: InspectionSink): SessionObserver {
  let names: readonly string[] = [];
  let hosts = 0;
  /** Per domain slot (vm * hosts + host): its incarnation and the state last reported. */
  let incarnations: number[] = [];
  let reported: ActorState[] = [];
  const seenPids = new Set<number>();

  const domainId = (slot: number) => {
    const base = `${names[Math.floor(slot / hosts)] ?? `vm${Math.floor(slot / hosts)}`}` +
      `@h${slot % hosts}`;
    const n = incarnations[slot] ?? 1;
    return n === 1 ? base : `${base}#${n}`;
  };
  const announceDomain = (slot: number, state: ActorState, at?: SimPlace) => {
    sink.actor({ sessionId: domainId(slot), parentId: null, machine: domainMachine,
      snapshot: inspectedSnapshot(state.snapshot) }, at);
    reported[slot] = state;
  };
  /** A domain replaced without an event: the old actor stops, a new one appears. */
  const rebuild = (slot: number, state: ActorState, at: SimPlace) => {
    const old = domainId(slot);
    sink.snapshot(old, STOP, { ...inspectedSnapshot(reported[slot]!.snapshot), status: 'stopped' },
      at);
    incarnations[slot] = (incarnations[slot] ?? 1) + 1;
    announceDomain(slot, state, at);
  };
  const deliver = (t: ActorTransition, at: SimPlace) => {
    let sessionId: string;
    if (t.machine === 'domain') {
      const slot = t.vm * hosts + t.host;
      if (t.before !== reported[slot]) rebuild(slot, t.before, at);
      sessionId = domainId(slot);
      reported[slot] = t.after;
    } else {
      sessionId = `qemu:${t.pid}`;
      if (!seenPids.has(t.pid!)) {
        seenPids.add(t.pid!);
        sink.actor({ sessionId, parentId: domainId(t.vm * hosts + t.host), machine: processMachine,
          snapshot: inspectedSnapshot(t.before.snapshot) }, at);
      }
    }
    sink.event(sessionId, t.event, null, at);
    sink.snapshot(sessionId, t.event, inspectedSnapshot(t.after.snapshot), at);
  };

  return {
    start(world: World, header: TraceHeader) {
      names = header.definitions.map((definition) => definition.name);
      hosts = world.hosts.length;
      incarnations = world.domains.map(() => 1);
      reported = [];
      world.domains.forEach((state, slot) => announceDomain(slot, state));
    },
    step(observed: ObservedStep) {
      const at = { step: observed.index, time: observed.after.time };
      for (const t of observed.transitions) deliver(t, at);
      observed.after.domains.forEach((state, slot) => {
        if (state !== reported[slot]) rebuild(slot, state, at);
      });
    },
  };
}
