/**
 * The effect interpreter for a statechart and the machine children it spawns, on the memoised
 * engine (`interned.ts`): XState's semantics without its runtime. Events are processed one at a
 * time in arrival order (one FIFO mailbox for the whole system); the effects a transition returns
 * run in order — a child machine is started or stopped, an event is queued for a child, an
 * invoked actor that is not a machine is handed to the host, a named action is run; the result
 * of an invocation that was stopped meanwhile is dropped; nothing is processed after the root
 * reached a final state.
 *
 * Hosts are small: they say how to start an invoked actor and how to run a named action. The API
 * faces start driver calls as promises (`api/host.ts`); the simulator resolves a call against a
 * pure service model at once, inside one step (`api/operation.ts`). Delays need a clock and are
 * only run by the simulator's domain host, so here a delay is an error.
 */
import type { EventObject } from 'xstate';
import { interpretEffects, type Effect, type EffectHandler } from './effects.ts';
import type { ActorState, InternedMachine } from './interned.ts';

/** One event processed by one actor of the system (the root is `''`). */
export interface SystemRecord {
  readonly actor: string;
  readonly machine: string;
  readonly event: EventObject;
  readonly before: ActorState | null;
  readonly after: ActorState;
}

/** What a host does with the effects the system does not interpret itself. */
export interface SystemHost {
  /**
   * An invoked actor of the root that is not a child machine was started. Its result is
   * delivered later (or at once) with `system.settle(id, token, event)`.
   */
  invoke(id: string, src: string, input: unknown, token: number): void;
  /** A named action (`contProcess`, …); the default ignores it. */
  action?(name: string): void;
  /** Sees every event every actor processed (inspection). */
  observe?(record: SystemRecord): void;
}

interface Child {
  readonly machine: InternedMachine;
  state: ActorState;
}

export class ActorSystem {
  private root: ActorState;
  private readonly children = new Map<string, Child>();
  /** Invoked actors in flight: id → the token of the current invocation. */
  private readonly running = new Map<string, number>();
  private readonly queue: { to: string; event: EventObject }[] = [];
  private token = 0;
  private processing = false;

  constructor(
    private readonly machine: InternedMachine,
    input: unknown,
    private readonly childMachines: Readonly<Record<string, InternedMachine>>,
    private readonly host: SystemHost,
  ) {
    this.root = machine.initial(input).state;
    this.restart(input);
  }

  /**
   * Starts the root afresh from `input`, forgetting every child and invocation: one system
   * object serves many short-lived contexts in turn (the simulator makes one per lock call).
   */
  restart(input: unknown): void {
    this.children.clear();
    this.running.clear();
    this.queue.length = 0;
    const initial = this.machine.initial(input);
    this.root = initial.state;
    this.host.observe?.({ actor: '', machine: this.machine.name, event: INIT, before: null,
      after: initial.state });
    this.apply('', initial.effects);
    this.drain();
  }

  /**
   * Continues a long-lived root from a state kept elsewhere (the simulator's RFC supervisors keep
   * their manager's root state in the world). Children are not kept: the manager's are passive
   * trackers whose states its own transitions never read, so events sent to them are dropped.
   * An invocation the kept state waits for is answered by `send`ing its result event.
   */
  resume(root: ActorState): void {
    this.children.clear();
    this.running.clear();
    this.queue.length = 0;
    this.root = root;
  }

  get state(): ActorState {
    return this.root;
  }

  get done(): boolean {
    return this.root.snapshot.status !== 'active';
  }

  /** Whether an invoked actor is in flight. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  child(id: string): ActorState | undefined {
    return this.children.get(id)?.state;
  }

  childIds(): string[] {
    return [...this.children.keys()];
  }

  /** Sends an event to the root, then processes what it queued; false when not handled. */
  send(event: EventObject): boolean {
    if (this.done) return false;
    const handled = this.deliver('', event);
    this.drain();
    return handled;
  }

  /**
   * The result (`xstate.done.actor.<id>` or `xstate.error.actor.<id>`) of invocation `token`;
   * false, and dropped, when that invocation was stopped or superseded meanwhile.
   */
  settle(id: string, token: number, event: EventObject): boolean {
    if (this.running.get(id) !== token) return false;
    this.running.delete(id);
    if (this.processing) {
      // Settled from inside an effect (a synchronous host): queued like any other event.
      this.queue.push({ to: '', event });
      return true;
    }
    this.send(event);
    return true;
  }

  private deliver(to: string, event: EventObject): boolean {
    const child = to === '' ? null : this.children.get(to);
    if (to !== '' && !child) return false;
    if (!child && this.done) return false;
    const machine = child ? child.machine : this.machine;
    const before = child ? child.state : this.root;
    const stepped = machine.step(before, event);
    if (!stepped.handled) return false;
    if (child) child.state = stepped.state;
    else this.root = stepped.state;
    this.host.observe?.({ actor: to, machine: machine.name, event, before, after: stepped.state });
    this.apply(to, stepped.effects);
    if (!child && this.done) this.stopAll();
    return true;
  }

  private drain(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const { to, event } = this.queue.shift()!;
        this.deliver(to, event);
      }
    } finally {
      this.processing = false;
    }
  }

  private apply(owner: string, effects: readonly Effect[]): void {
    interpretEffects(effects, owner === '' ? this.rootEffects : this.childEffects);
  }

  /** How the root's effects are performed; a child's may only start and stop machines. */
  private readonly rootEffects = this.effectsOf('');
  private readonly childEffects = this.effectsOf('child');

  private effectsOf(owner: string): EffectHandler {
    return {
      invoke: (id, src, input) => this.start(owner, id, src, input),
      stopInvoke: (id) => {
        this.children.delete(id);
        this.running.delete(id);
      },
      send: (to, event) => {
        this.queue.push({ to, event });
      },
      timer: () => this.noDelays(),
      cancelTimer: () => this.noDelays(),
      action: (name) => this.host.action?.(name),
    };
  }

  private noDelays(): never {
    throw new Error(`invariant: ${this.machine.name} uses delays, which this interpreter ` +
      'does not run (the simulator runs them, on its virtual clock)');
  }

  private start(owner: string, id: string, src: string, input: unknown): void {
    const childMachine = this.childMachines[src];
    if (childMachine) {
      const initial = childMachine.initial(input);
      this.children.set(id, { machine: childMachine, state: initial.state });
      this.host.observe?.({ actor: id, machine: childMachine.name, event: INIT, before: null,
        after: initial.state });
      this.apply(id, initial.effects);
      return;
    }
    if (owner !== '') throw new Error(`invariant: no implementation for the invoked actor '${src}'`);
    const token = ++this.token;
    this.running.set(id, token);
    const wasProcessing = this.processing;
    this.processing = true;
    try {
      this.host.invoke(id, src, input, token);
    } finally {
      this.processing = wasProcessing;
    }
  }

  private stopAll(): void {
    this.children.clear();
    this.running.clear();
    this.queue.length = 0;
  }
}

const INIT: EventObject = { type: 'xstate.init' };
