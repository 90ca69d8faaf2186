/**
 * Interned, memoised pure stepping: lockchart's transition engine for the simulator, the
 * explorer and the API faces' host.
 *
 * A machine snapshot is interned: equal (value, context) pairs share one `ActorState` with a
 * small integer id, so states compare by identity and hash cheaply. Stepping an interned state
 * with an event runs XState's own transition (through a `Stepper`, one reused scope) the first
 * time and is a map lookup afterwards. The XState actions a transition returns are translated
 * once into plain `Effect`s (`effects.ts`) a host interprets: invoked actors and spawned
 * children, stopped children, events sent to children, delayed events (timers), named actions.
 *
 * Memoisation is exact because machines are deterministic: the same (value, context) and the
 * same event always give the same next snapshot and actions.
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import type { Effect } from './effects.ts';
import { createStepper, toEffects, type Stepper } from './xstate-internals.ts';

export type { Effect } from './effects.ts';

export interface ActorState {
  /** Dense id, unique per interning table (not stable across processes). */
  readonly id: number;
  readonly machine: string;
  readonly snapshot: AnyMachineSnapshot;
  /** Canonical text of (value, context): equal keys mean equal states. */
  readonly key: string;
  /** The active leaf states, dotted (`active.vcpus.running`). */
  readonly leaves: readonly string[];
  /** 32-bit FNV-1a hash of `key`: stable across processes (used in trace digests). */
  readonly hash: number;
  /** Memo of this state's transitions, by event key. */
  readonly next: Map<string, Stepped>;
  /**
   * The same, by event object: callers that reuse one object per event (the simulator's
   * canonical events) skip the key. Bounded: fresh objects only refill it.
   */
  readonly nextByEvent: Map<EventObject, Stepped>;
  /** Memo of facts derived from this state alone (`factSlot`): predicates, enabled events. */
  readonly facts: unknown[];
}

let nextFactSlot = 0;

/**
 * A slot in every interned state's `facts` for one fact derived from the state alone: the
 * returned function derives it the first time a state is asked, and remembers it there (a
 * state never changes, and the hot paths ask the same few states over and over).
 */
export function factSlot<T>(): (state: ActorState, derive: (state: ActorState) => T) => T {
  const slot = nextFactSlot++;
  return (state, derive) => {
    const known = state.facts[slot];
    if (known !== undefined) return known as T;
    const fact = derive(state);
    state.facts[slot] = fact;
    return fact;
  };
}

export interface Stepped {
  readonly state: ActorState;
  readonly effects: readonly Effect[];
  /** False when no transition was enabled: the event was not accepted in this state. */
  readonly handled: boolean;
}

/** One machine's interning table, memo and stepper. */
export class InternedMachine {
  private readonly byKey = new Map<string, ActorState>();
  private readonly initials = new Map<string, Stepped>();
  /** The same, per input object: a caller that reuses its input objects skips the key. */
  private readonly initialsByObject = new WeakMap<object, Stepped>();
  private readonly stepper: Stepper<AnyStateMachine>;
  private nextId = 0;

  /**
   * @param maxStates when the table grows past this, it starts afresh (long-lived hosts that
   *   see ever new contexts stay bounded; states already handed out keep working).
   */
  constructor(readonly name: string, readonly machine: AnyStateMachine,
    private readonly maxStates = Number.POSITIVE_INFINITY) {
    this.stepper = createStepper(machine);
  }

  /** The initial state for `input`, with the effects of entering it. */
  initial(input: unknown): Stepped {
    const byObject = typeof input === 'object' && input !== null
      ? this.initialsByObject.get(input) : undefined;
    if (byObject) return byObject;
    const key = JSON.stringify(input ?? null);
    let stepped = this.initials.get(key);
    if (!stepped) {
      const { snapshot, actions } = this.stepper.initial(input as never);
      stepped = { state: this.intern(snapshot), effects: toEffects(actions), handled: true };
      if (this.initials.size > 10_000) this.initials.clear();
      this.initials.set(key, stepped);
    }
    if (typeof input === 'object' && input !== null) this.initialsByObject.set(input, stepped);
    return stepped;
  }

  step(state: ActorState, event: EventObject): Stepped {
    const byEvent = state.nextByEvent.get(event);
    if (byEvent) return byEvent;
    const stepped = this.stepByKey(state, event);
    if (state.nextByEvent.size >= 256) state.nextByEvent.clear();
    state.nextByEvent.set(event, stepped);
    return stepped;
  }

  private stepByKey(state: ActorState, event: EventObject): Stepped {
    const memoKey = eventKey(event);
    const cached = state.next.get(memoKey);
    if (cached) return cached;
    const { snapshot, actions } = this.stepper.step(state.snapshot as never, event as never);
    // XState returns the very snapshot it was given when no transition is enabled. A targetless
    // transition with actions but no assignment does too, so actions also count as handled.
    const stepped: Stepped = snapshot === state.snapshot && actions.length === 0
      ? { state, effects: [], handled: false }
      : { state: snapshot === state.snapshot ? state : this.intern(snapshot),
        effects: toEffects(actions), handled: true };
    if (state.next.size > 10_000) state.next.clear();
    state.next.set(memoKey, stepped);
    return stepped;
  }

  /** Number of distinct interned states so far. */
  get size(): number {
    return this.byKey.size;
  }

  private intern(snapshot: AnyMachineSnapshot): ActorState {
    const key = JSON.stringify([snapshot.value, snapshot.context ?? null]);
    let state = this.byKey.get(key);
    if (!state) {
      if (this.byKey.size >= this.maxStates) this.byKey.clear();
      state = { id: this.nextId++, machine: this.name, snapshot, key, leaves: leavesOf(snapshot),
        hash: fnv1a(key), next: new Map(), nextByEvent: new Map(),
        facts: [] };
      this.byKey.set(key, state);
    }
    return state;
  }
}

/** 32-bit FNV-1a over the UTF-16 code units of a string. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const eventKeys = new WeakMap<object, string>();

/**
 * A canonical key for an event: type plus payload. The common shapes (no payload, an invoke's
 * output, an invoke's error) are keyed without JSON; keys are cached per event object.
 */
export function eventKey(event: EventObject): string {
  let key = eventKeys.get(event);
  if (key !== undefined) return key;
  const e = event as { type: string; output?: unknown; error?: { code?: string; message?: string } };
  const fields = Object.keys(event).length;
  if (fields === 1) key = e.type;
  else if (fields === 2 && 'output' in e && (e.output === null || typeof e.output === 'string')) {
    key = `${e.type}\u0000${e.output === null ? '' : `=${e.output as string}`}`;
  } else if (fields === 2 && e.error && Object.keys(e.error).length === 2) {
    key = `${e.type}\u0001${e.error.code}\u0001${e.error.message}`;
  } else key = JSON.stringify(event);
  eventKeys.set(event, key);
  return key;
}

function leavesOf(snapshot: AnyMachineSnapshot): string[] {
  const out: string[] = [];
  const walk = (value: unknown, prefix: string): void => {
    if (typeof value === 'string') {
      out.push(prefix ? `${prefix}.${value}` : value);
      return;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      walk(child, prefix ? `${prefix}.${key}` : key);
    }
  };
  walk(snapshot.value, '');
  return out;
}
