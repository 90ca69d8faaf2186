/**
 * The JSON-lines inspection writer: one record per line, written synchronously as events
 * happen, so a run that crashes leaves every event up to the crash. Each line is a complete
 * JSON object (see `events.ts` for the three record kinds).
 *
 * ```ts
 * const sink = openJsonlInspection('run.inspect.jsonl');
 * const plugin = await LockManagerPlugin.load(driver, { inspect: sink.inspect });
 * // … calls …
 * await sink.close();
 * ```
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { AnyEventObject } from 'xstate';
import { recordJson, recordOf, type InspectedSnapshot, type InspectionRecord, type SimPlace }
  from './events.ts';
import type { InspectedActor, InspectionSink } from './sink.ts';

/** Opens (truncates) `path` and returns a sink writing one JSON record per line. */
export function openJsonlInspection(path: string): InspectionSink {
  let fd: number | null = openSync(path, 'w', 0o644);
  const write = (record: InspectionRecord): void => {
    if (fd === null) throw new Error(`inspection file ${path} is closed`);
    writeSync(fd, `${recordJson(record)}\n`);
  };
  return recordingSink(write, async () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  });
}

/** A sink that hands every record to `write` (a file, an array in a test). */
export function recordingSink(
  write: (record: InspectionRecord) => void,
  close: () => Promise<void> = async () => {},
): InspectionSink {
  const place = (at: SimPlace | undefined) => (at ? { at } : {});
  // A process's events belong to its domain's tree, as a child actor's do in XState.
  const roots = new Map<string, string>();
  const rootOf = (sessionId: string) => roots.get(sessionId) ?? sessionId;
  return {
    actor(actor: InspectedActor, at?: SimPlace) {
      const rootId = actor.parentId === null ? actor.sessionId : rootOf(actor.parentId);
      roots.set(actor.sessionId, rootId);
      write({ type: '@xstate.actor', sessionId: actor.sessionId, parentId: actor.parentId, rootId,
        name: actor.machine.id, snapshot: actor.snapshot, ...place(at) });
    },
    event(sessionId: string, event: AnyEventObject, sourceId: string | null, at?: SimPlace) {
      write({ type: '@xstate.event', sessionId, sourceId, rootId: rootOf(sessionId), event,
        ...place(at) });
    },
    snapshot(sessionId: string, event: AnyEventObject, snapshot: InspectedSnapshot, at?: SimPlace) {
      write({ type: '@xstate.snapshot', sessionId, rootId: rootOf(sessionId), event, snapshot,
        ...place(at) });
    },
    inspect(event) {
      const record = recordOf(event);
      if (record) write(record);
    },
    close,
  };
}
