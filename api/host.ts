/**
 * A live host for a statechart: it steps the machine (and the machine children it spawns) with
 * lockchart's interned, memoised transition engine (`machines/interned.ts`) and performs the
 * machine's invoked actors with plain async implementations. It is what the API faces run their
 * manager statecharts on.
 *
 * Why not XState's own actor runtime? The machines are the same either way, and
 * `managerMachine.provide({ actors })` still runs them under XState (see `bind.ts`). But the
 * runtime builds a child actor, a mailbox and a subscription for every call, which caps the faces
 * at a few thousand calls per second here; the memoised engine makes a repeated transition a map
 * lookup. Semantics follow XState's: events are processed one at a time in arrival order,
 * entry/exit effects run in the order the transition returns them, a late result of an invoke
 * that was stopped is dropped, and nothing is processed after the machine reached a final state.
 */
import type { EventObject } from 'xstate';
import { asLockError, toErrorData, type LockErrorData } from '../drivers/errors.ts';
import type { ActorState, Effect, InternedMachine } from '../machines/interned.ts';

/** What an invoked actor does: the async function behind a named `src`. */
export type EffectImplementations = Readonly<Record<string, (input: never) => Promise<unknown>>>;

/** One event processed by one actor of the host (the root is `''`). */
export interface HostRecord {
  readonly actor: string;
  readonly machine: string;
  readonly event: EventObject;
  readonly before: ActorState | null;
  readonly after: ActorState;
}

export interface HostOptions {
  readonly machine: InternedMachine;
  readonly input: unknown;
  /** Machines that `spawnChild`/`invoke` may start by `src` name (passive children). */
  readonly children?: Readonly<Record<string, InternedMachine>>;
  readonly effects: EffectImplementations;
  /** Named actions (`contProcess`, …) a machine may run. */
  readonly actions?: Readonly<Record<string, () => void>>;
  /** Sees every event every actor processed (inspection). */
  readonly observer?: (record: HostRecord) => void;
}

interface Child {
  readonly machine: InternedMachine;
  state: ActorState;
}

export class MachineHost {
  private root: ActorState;
  private readonly children = new Map<string, Child>();
  /** Invoked effects in flight: id → the token of the current invocation. */
  private readonly running = new Map<string, number>();
  private readonly queue: { to: string; event: EventObject }[] = [];
  private readonly idle: (() => void)[] = [];
  private token = 0;
  private processing = false;
  /** Errors invoked effects reported since the last `clearErrors()`. */
  errors: LockErrorData[] = [];

  constructor(private readonly options: HostOptions) {
    const initial = options.machine.initial(options.input);
    this.root = initial.state;
    this.options.observer?.({ actor: '', machine: options.machine.name,
      event: { type: 'xstate.init' }, before: null, after: initial.state });
    this.apply('', initial.effects);
    this.drain();
  }

  get state(): ActorState {
    return this.root;
  }

  get done(): boolean {
    return this.root.snapshot.status !== 'active';
  }

  /** Whether an invoked effect is in flight. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  child(id: string): ActorState | undefined {
    return this.children.get(id)?.state;
  }

  childIds(): string[] {
    return [...this.children.keys()];
  }

  clearErrors(): void {
    this.errors = [];
  }

  /** Sends an event to the machine; false when it was not handled (or the machine is done). */
  send(event: EventObject): boolean {
    if (this.done) return false;
    const handled = this.deliver('', event);
    this.drain();
    return handled;
  }

  /** Resolves once no invoked effect is in flight. */
  settled(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private deliver(to: string, event: EventObject): boolean {
    const child = to === '' ? null : this.children.get(to);
    if (to !== '' && !child) return false;
    const machine = child ? child.machine : this.options.machine;
    const before = child ? child.state : this.root;
    const stepped = machine.step(before, event);
    if (!stepped.handled) return false;
    if (child) child.state = stepped.state;
    else this.root = stepped.state;
    this.options.observer?.({ actor: to, machine: machine.name, event, before, after: stepped.state });
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
    for (const effect of effects) {
      switch (effect.kind) {
        case 'invoke':
          this.start(owner, effect.id, effect.src, effect.input);
          break;
        case 'stopInvoke':
          this.children.delete(effect.id);
          this.running.delete(effect.id);
          break;
        case 'send':
          this.queue.push({ to: effect.to, event: effect.event });
          break;
        case 'action':
          this.options.actions?.[effect.name]?.();
          break;
        case 'timer':
        case 'cancelTimer':
          throw new Error(`invariant: ${this.options.machine.name} uses delays, which this host ` +
            'does not run (use the simulator, which has a virtual clock)');
      }
    }
  }

  private start(owner: string, id: string, src: string, input: unknown): void {
    const childMachine = this.options.children?.[src];
    if (childMachine) {
      const initial = childMachine.initial(input);
      this.children.set(id, { machine: childMachine, state: initial.state });
      this.options.observer?.({ actor: id, machine: childMachine.name,
        event: { type: 'xstate.init' }, before: null, after: initial.state });
      this.apply(id, initial.effects);
      return;
    }
    const implementation = this.options.effects[src];
    if (!implementation || owner !== '') {
      throw new Error(`invariant: no implementation for the invoked actor '${src}'`);
    }
    const token = ++this.token;
    this.running.set(id, token);
    implementation(input as never).then(
      (output) => this.finish(id, token, { type: `xstate.done.actor.${id}`, output } as EventObject),
      (error: unknown) => {
        const data = toErrorData(asLockError(error, { operation: src }));
        this.finish(id, token, { type: `xstate.error.actor.${id}`, error: data } as EventObject, data);
      },
    );
  }

  private finish(id: string, token: number, event: EventObject, error?: LockErrorData): void {
    if (this.running.get(id) !== token) return;
    this.running.delete(id);
    if (error) this.errors.push(error);
    this.send(event);
    if (!this.busy) for (const resolve of this.idle.splice(0)) resolve();
  }

  private stopAll(): void {
    this.children.clear();
    this.running.clear();
    this.queue.length = 0;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
