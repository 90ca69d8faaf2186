/**
 * What a transition asks its host to do, as plain data, and the one interpreter of it. The
 * memoised engine (`interned.ts`) returns a step's effects; a host implements `EffectHandler` and
 * calls `interpretEffects`, so the dispatch on effect kinds is written once. The hosts:
 * `system.ts` (a root and its machine children: the API faces and the simulator's lock
 * operations) and the simulator's domain host (`sim/world/actors.ts`, with a virtual clock).
 */
import type { EventObject } from 'xstate';

export type Effect =
  | { readonly kind: 'invoke'; readonly id: string; readonly src: string; readonly input: unknown }
  | { readonly kind: 'stopInvoke'; readonly id: string }
  | { readonly kind: 'send'; readonly to: string; readonly event: EventObject }
  | { readonly kind: 'timer'; readonly id: string; readonly event: EventObject; readonly delay: number }
  | { readonly kind: 'cancelTimer'; readonly id: string }
  | { readonly kind: 'action'; readonly name: string };

/** How a host performs each kind of effect. */
export interface EffectHandler {
  /** An invoked actor (or a spawned child) starts. */
  invoke(id: string, src: string, input: unknown): void;
  /** An invoked actor is stopped: a result it delivers later is dropped. */
  stopInvoke(id: string): void;
  /** An event for a child actor. */
  send(to: string, event: EventObject): void;
  /** A delayed event: `event` is due `delay` ms from now. */
  timer(id: string, event: EventObject, delay: number): void;
  cancelTimer(id: string): void;
  /** A named action (a command to the world outside the statechart). */
  action(name: string): void;
}

/** Performs `effects` in order with `handler`. */
export function interpretEffects(effects: readonly Effect[], handler: EffectHandler): void {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'invoke':
        handler.invoke(effect.id, effect.src, effect.input);
        break;
      case 'stopInvoke':
        handler.stopInvoke(effect.id);
        break;
      case 'send':
        handler.send(effect.to, effect.event);
        break;
      case 'timer':
        handler.timer(effect.id, effect.event, effect.delay);
        break;
      case 'cancelTimer':
        handler.cancelTimer(effect.id);
        break;
      case 'action':
        handler.action(effect.name);
        break;
    }
  }
}
