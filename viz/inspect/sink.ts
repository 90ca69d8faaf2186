/**
 * Where inspection events go: a JSON-lines file or a Stately inspector over a WebSocket. Both
 * take records built by the simulator's inspector and, through `inspect`, the events of real
 * XState actors (the API faces pass it as `createActor`'s `inspect` option).
 */
import type { AnyEventObject, AnyStateMachine, InspectionEvent } from 'xstate';
import type { InspectedSnapshot, SimPlace } from './events.ts';

/** An actor as the simulator announces it. */
export interface InspectedActor {
  readonly sessionId: string;
  readonly parentId: string | null;
  /** The machine it runs: its id names the actor, its config lets a viewer draw it. */
  readonly machine: AnyStateMachine;
  readonly snapshot: InspectedSnapshot;
}

/** Where the inspection events of a run go (a file, a WebSocket). */
export interface InspectionSink {
  /** An actor appeared. */
  actor(actor: InspectedActor, at?: SimPlace): void;
  /** An event was delivered to an actor. */
  event(sessionId: string, event: AnyEventObject, sourceId: string | null, at?: SimPlace): void;
  /** The actor's snapshot after an event. */
  snapshot(
    sessionId: string,
    event: AnyEventObject,
    snapshot: InspectedSnapshot,
    at?: SimPlace,
  ): void;
  /** XState's `inspect` observer, for real actors. */
  readonly inspect: (event: InspectionEvent) => void;
  /** Flushes everything written so far and releases the file or socket. */
  close(): Promise<void>;
}
