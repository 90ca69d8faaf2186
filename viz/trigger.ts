/**
 * XState's internal event names, decoded into what a reader wants to see on an edge:
 * `xstate.done.actor.acquireLocks` → `done: acquireLocks`,
 * `xstate.after.killGraceMs.domain.destroying` → `after killGraceMs`, `''` → `always`.
 */
import type { Trigger } from './chart.ts';

const DONE_ACTOR = 'xstate.done.actor.';
const ERROR_ACTOR = 'xstate.error.actor.';
const DONE_STATE = 'xstate.done.state.';
const AFTER = 'xstate.after.';

/**
 * Decodes an event type handled by the state node with id `sourceId` (`domain.destroying`).
 * Delay events are named `xstate.after.<delay>.<sourceId>`, so the source id is stripped from
 * the end to recover a delay name that may itself contain dots.
 */
export function triggerOf(eventType: string, sourceId: string): Trigger {
  if (eventType === '') return { kind: 'always' };
  if (eventType.startsWith(DONE_ACTOR)) {
    return { kind: 'done', invokeId: eventType.slice(DONE_ACTOR.length) };
  }
  if (eventType.startsWith(ERROR_ACTOR)) {
    return { kind: 'error', invokeId: eventType.slice(ERROR_ACTOR.length) };
  }
  if (eventType.startsWith(DONE_STATE)) {
    return { kind: 'state-done', state: eventType.slice(DONE_STATE.length) };
  }
  const suffix = `.${sourceId}`;
  if (eventType.startsWith(AFTER) && eventType.endsWith(suffix)) {
    return { kind: 'after', delay: eventType.slice(AFTER.length, -suffix.length) };
  }
  return { kind: 'event', event: eventType };
}

/** The trigger as edge text. `sourceId` names the state whose own `onDone` reads plain `done`. */
export function triggerText(trigger: Trigger, sourceId: string): string {
  switch (trigger.kind) {
    case 'event':
      return trigger.event;
    case 'always':
      return 'always';
    case 'after':
      return /^\d+$/.test(trigger.delay) ? `after ${trigger.delay} ms` : `after ${trigger.delay}`;
    case 'done':
      return `done: ${trigger.invokeId}`;
    case 'error':
      return `error: ${trigger.invokeId}`;
    case 'state-done':
      return trigger.state === sourceId ? 'done' : `done: ${trigger.state}`;
    default: {
      const unreachable: never = trigger;
      return unreachable;
    }
  }
}
