/**
 * Streams inspection events to a Stately inspector over a WebSocket, through
 * `@statelyai/inspect`'s own `createWebSocketInspector` (run its `createInspectorServer`, or any
 * relay speaking the same protocol, at that address).
 *
 * Two things the library leaves to its caller: it retries a refused connection every 5 s for
 * ever, and before the socket opens it keeps only the last 200 events. So the address is probed
 * first (a plain TCP connect, failing at once with a one-line error), the socket is awaited
 * before anything is sent, and `close()` waits for the socket's buffer to drain.
 */
import { connect } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import type { AnyActorRef, AnyEventObject } from 'xstate';
import type { InspectedSnapshot } from './events.ts';
import type { InspectedActor, InspectionSink } from './sink.ts';

/** Nothing answers at the inspector's address, or its socket would not open. */
export class InspectionConnectError extends Error {
  override readonly name = 'InspectionConnectError';
}

/** The adapter's socket state: private in its typings, read here to await open and drain. */
interface AdapterState {
  readonly status: string;
  readonly ws?: { readonly bufferedAmount: number };
}

/** The library's snapshot type (its status is XState's union; ours is the same strings). */
type StatelySnapshot = Parameters<ReturnType<typeof createWebSocketInspector>['snapshot']>[1];

const WAIT_MS = 5_000;

/** Connects to the inspector at `url` (`ws://host:port`); rejects when nothing listens there. */
export async function openWebSocketInspection(url: string): Promise<InspectionSink> {
  await probe(url);
  const inspector = createWebSocketInspector({ url, autoStart: false });
  const adapter = inspector.adapter as unknown as AdapterState;
  inspector.start();
  if (!(await until(() => adapter.status === 'open'))) {
    inspector.stop();
    throw new InspectionConnectError(`${url}: the WebSocket did not open within ${WAIT_MS} ms`);
  }
  return {
    actor(actor: InspectedActor) {
      inspector.actor(actorRef(actor), actor.snapshot as StatelySnapshot);
    },
    event(sessionId: string, event: AnyEventObject, sourceId: string | null) {
      inspector.event(sessionId, event, sourceId === null ? {} : { source: sourceId });
    },
    snapshot(sessionId: string, event: AnyEventObject, snapshot: InspectedSnapshot) {
      inspector.snapshot(sessionId, snapshot as StatelySnapshot, { event });
    },
    inspect: (event) => inspector.inspect.next?.(event),
    async close() {
      // Real actors' events are serialised on the next tick; let them through first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await until(() => (adapter.ws?.bufferedAmount ?? 0) === 0);
      inspector.stop();
    },
  };
}

/**
 * What `createInspector.actor()` reads from an actor: its session id, parent and machine config
 * (sent as the definition, so the viewer can draw the chart).
 */
function actorRef(actor: InspectedActor): AnyActorRef {
  return {
    sessionId: actor.sessionId,
    id: actor.sessionId,
    logic: actor.machine,
    ...(actor.parentId === null ? {} : { _parent: { sessionId: actor.parentId } }),
    send: () => {},
    getSnapshot: () => actor.snapshot,
  } as unknown as AnyActorRef;
}

function probe(url: string): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new InspectionConnectError(`${url}: not a WebSocket address`));
  }
  const port = Number(target.port || (target.protocol === 'wss:' ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(new InspectionConnectError(`${url}: cannot connect (${error.code ?? error.message})`));
    });
  });
}

async function until(done: () => boolean): Promise<boolean> {
  for (let waited = 0; waited < WAIT_MS; waited += 10) {
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return done();
}
