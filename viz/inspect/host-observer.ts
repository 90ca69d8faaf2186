/**
 * Inspection for the API faces. Their manager statecharts run on lockchart's own host
 * (`api/host.ts`), which reports every event each actor processed as a `HostRecord`; this turns
 * those records into the same inspection events as the simulator's (`@xstate.actor` when an
 * actor starts, `@xstate.event` + `@xstate.snapshot` per processed event), for any sink.
 *
 * One observer may serve many managers (a plugin passes its observer to every object it
 * makes), and records do not say which manager they come from. A host reports synchronously,
 * root first, so: a new root (`xstate.init`) is a new manager (`manager:1`, `manager:2`…); a
 * later root record belongs to the manager whose last state it starts from (the most recent
 * one when several are in the same state: their streams are then the same anyway); a child's
 * record belongs to the manager of the root record just before it (`manager:1/res0`).
 */
import type { AnyStateMachine } from 'xstate';
import type { HostRecord } from '../../api/host.ts';
import { CATALOG } from '../../machines/catalog.ts';
import type { ActorState } from '../../machines/interned.ts';
import { inspectedSnapshot } from './events.ts';
import type { InspectionSink } from './sink.ts';

interface Root {
  readonly sessionId: string;
  last: ActorState;
}

/** An observer for `LockManagerPlugin.load(driver, { observer })` and the RFC face's managers. */
export function hostObserver(sink: InspectionSink): (record: HostRecord) => void {
  const roots: Root[] = [];
  let current: Root | null = null;
  return (record) => {
    const machine = machineNamed(record.machine);
    if (record.actor === '') {
      if (record.before === null) {
        current = { sessionId: `${record.machine}:${roots.length + 1}`, last: record.after };
        roots.push(current);
        sink.actor({ sessionId: current.sessionId, parentId: null, machine,
          snapshot: inspectedSnapshot(record.after.snapshot) });
        return;
      }
      current = (current?.last === record.before ? current : null) ??
        roots.findLast((root) => root.last === record.before) ?? current;
    }
    if (!current) return;
    const sessionId = record.actor === '' ? current.sessionId
      : `${current.sessionId}/${record.actor}`;
    if (record.before === null) {
      sink.actor({ sessionId, parentId: current.sessionId, machine,
        snapshot: inspectedSnapshot(record.after.snapshot) });
      return;
    }
    if (record.actor === '') current.last = record.after;
    sink.event(sessionId, record.event, null);
    sink.snapshot(sessionId, record.event, inspectedSnapshot(record.after.snapshot));
  };
}

function machineNamed(name: string): AnyStateMachine {
  const entry = CATALOG.find((candidate) => candidate.machine.id === name ||
    candidate.name === name);
  if (!entry) throw new Error(`invariant: no statechart named '${name}' in the catalogue`);
  return entry.machine;
}
