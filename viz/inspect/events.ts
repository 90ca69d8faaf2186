/**
 * Inspection events as JSON: the three kinds XState's inspection API emits (`@xstate.actor`,
 * `@xstate.event`, `@xstate.snapshot`), flattened to plain data a file or a socket can carry.
 * Actor references become their session ids (as `@statelyai/inspect` does), snapshots keep only
 * what a viewer draws (value, context, status, output, error).
 */
import type { AnyEventObject, InspectionEvent } from 'xstate';

/** The parts of a snapshot an inspector shows. */
export interface InspectedSnapshot {
  readonly value?: unknown;
  readonly context?: unknown;
  readonly status?: string;
  readonly output?: unknown;
  readonly error?: unknown;
}

/** Where a simulated event happened: the trace step and the virtual time after it. */
export interface SimPlace {
  readonly step: number;
  readonly time: number;
}

export type InspectionRecord =
  | {
      readonly type: '@xstate.actor';
      readonly sessionId: string;
      readonly parentId: string | null;
      readonly rootId: string;
      /** The machine's id (`domain`, `process`, `manager`). */
      readonly name: string;
      readonly snapshot: InspectedSnapshot;
      readonly at?: SimPlace;
    }
  | {
      readonly type: '@xstate.event';
      readonly sessionId: string;
      readonly sourceId: string | null;
      readonly rootId: string;
      readonly event: AnyEventObject;
      readonly at?: SimPlace;
    }
  | {
      readonly type: '@xstate.snapshot';
      readonly sessionId: string;
      readonly rootId: string;
      readonly event: AnyEventObject;
      readonly snapshot: InspectedSnapshot;
      readonly at?: SimPlace;
    };

interface SnapshotLike {
  readonly value?: unknown;
  readonly context?: unknown;
  readonly status?: string;
  readonly output?: unknown;
  readonly error?: unknown;
}

/** The drawable part of an XState snapshot (children, tags and machine are left out). */
export function inspectedSnapshot(snapshot: unknown): InspectedSnapshot {
  const s = (snapshot ?? {}) as SnapshotLike;
  return {
    ...(s.value !== undefined ? { value: s.value } : {}),
    ...(s.context !== undefined ? { context: s.context } : {}),
    ...(s.status !== undefined ? { status: s.status } : {}),
    ...(s.output !== undefined ? { output: s.output } : {}),
    ...(s.error !== undefined ? { error: s.error } : {}),
  };
}

interface RefLike {
  readonly sessionId: string;
  readonly id?: string;
  readonly _parent?: RefLike;
  readonly logic?: { readonly id?: string; readonly config?: { readonly id?: string } };
  getSnapshot?(): unknown;
}

/**
 * One of XState's own inspection events (real actors: the API faces) as a record; null for
 * the kinds this format leaves out (`@xstate.microstep`, `@xstate.action`).
 */
export function recordOf(event: InspectionEvent): InspectionRecord | null {
  const actor = event.actorRef as unknown as RefLike;
  switch (event.type) {
    case '@xstate.actor':
      return {
        type: '@xstate.actor',
        sessionId: actor.sessionId,
        parentId: actor._parent?.sessionId ?? null,
        rootId: event.rootId,
        name: actor.logic?.config?.id ?? actor.logic?.id ?? actor.id ?? actor.sessionId,
        snapshot: announcedSnapshot(actor),
      };
    case '@xstate.event':
      return {
        type: '@xstate.event',
        sessionId: actor.sessionId,
        sourceId: (event.sourceRef as unknown as RefLike | undefined)?.sessionId ?? null,
        rootId: event.rootId,
        event: event.event,
      };
    case '@xstate.snapshot':
      return {
        type: '@xstate.snapshot',
        sessionId: actor.sessionId,
        rootId: event.rootId,
        event: event.event,
        snapshot: inspectedSnapshot(event.snapshot),
      };
    default:
      return null;
  }
}

/**
 * An actor's snapshot when it is announced. XState announces an actor before its first
 * snapshot exists (reading it then throws); the `xstate.init` snapshot event follows at once.
 */
function announcedSnapshot(actor: RefLike): InspectedSnapshot {
  try {
    return inspectedSnapshot(actor.getSnapshot?.());
  } catch {
    return { status: 'active' };
  }
}

/**
 * JSON text for a record, whatever a context or an event holds: errors keep their name, code
 * and message, actor references become `{ sessionId }`, functions and cycles are dropped (an
 * object shared by two fields is written twice; only a path back to an ancestor is cut).
 */
export function recordJson(record: InspectionRecord): string {
  return JSON.stringify(plain(record, new Set()));
}

function plain(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code !== undefined ? { code } : {}) };
  }
  const ref = value as Partial<RefLike> & { send?: unknown };
  if (typeof ref.sessionId === 'string' && typeof ref.send === 'function') {
    return { sessionId: ref.sessionId };
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return plain(toJSON.call(value), ancestors);
  if (ancestors.has(value)) return undefined;
  ancestors.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item) => plain(item, ancestors) ?? null);
  } else {
    const fields: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = plain(item, ancestors);
      if (converted !== undefined) fields[key] = converted;
    }
    out = fields;
  }
  ancestors.delete(value);
  return out;
}
