/**
 * Canonical event objects for the calls the world sends its domains. Reusing one object per
 * distinct event lets the memoised stepper key it once (`eventKey` caches per object) instead of
 * serialising a payload on every step.
 */
import type { EventObject } from 'xstate';
import type { LockErrorData } from '../../contract/errors.ts';
import { toSpec } from './actors.ts';
import type { DiskUse } from './types.ts';

const attachEvents = new WeakMap<DiskUse, EventObject>();
const detachEvents = new Map<string, EventObject>();
const plainEvents = new Map<string, EventObject>();
const resultEvents = new Map<string, EventObject>();

/** An event with no payload (`domain.start`, `qemu.exit`, `process.cont`…). */
export function plainEvent(type: string): EventObject {
  let event = plainEvents.get(type);
  if (!event) {
    event = { type };
    plainEvents.set(type, event);
  }
  return event;
}

/** An invoked actor's completion: `xstate.done.actor.<id>` with its output. */
export function doneEvent(invoke: string, output: string | null): EventObject {
  const key = `d${invoke}\u0000${output ?? ''}\u0000${output === null ? 0 : 1}`;
  let event = resultEvents.get(key);
  if (!event) {
    event = { type: `xstate.done.actor.${invoke}`, output } as EventObject;
    resultEvents.set(key, event);
  }
  return event;
}

/** An invoked actor's failure: `xstate.error.actor.<id>` with the error data. */
export function errorEvent(invoke: string, error: LockErrorData): EventObject {
  const key = `e${invoke}\u0000${error.code}\u0000${error.message}`;
  let event = resultEvents.get(key);
  if (!event) {
    event = { type: `xstate.error.actor.${invoke}`, error: { code: error.code, message: error.message } } as
      EventObject;
    if (resultEvents.size > 100_000) resultEvents.clear();
    resultEvents.set(key, event);
  }
  return event;
}

export function attachEvent(use: DiskUse): EventObject {
  let event = attachEvents.get(use);
  if (!event) {
    event = { type: 'domain.attach', disk: toSpec(use) } as EventObject;
    attachEvents.set(use, event);
  }
  return event;
}

export function detachEvent(path: string): EventObject {
  let event = detachEvents.get(path);
  if (!event) {
    event = { type: 'domain.detach', name: path } as EventObject;
    detachEvents.set(path, event);
  }
  return event;
}
