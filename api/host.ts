/**
 * A live host for a statechart: the effect interpreter of `machines/system.ts` with the
 * machine's invoked actors performed as plain async functions. It is what the API faces run
 * their manager statecharts on.
 *
 * Why not XState's own actor runtime? The machines are the same either way, and
 * `managerMachine.provide({ actors })` still runs them under XState (see `bind.ts`). But the
 * runtime builds a child actor, a mailbox and a subscription for every call, which caps the faces
 * at a few thousand calls per second here; the memoised engine makes a repeated transition a map
 * lookup.
 */
import type { EventObject } from 'xstate';
import { asLockError, toErrorData, type LockErrorData } from '../contract/errors.ts';
import type { ActorState, InternedMachine } from '../machines/interned.ts';
import { ActorSystem, type SystemRecord } from '../machines/system.ts';

/** What an invoked actor does: the async function behind a named `src`. */
export type EffectImplementations = Readonly<Record<string, (input: never) => Promise<unknown>>>;

/** One event processed by one actor of the host (the root is `''`). */
export type HostRecord = SystemRecord;

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

export class MachineHost {
  private readonly system: ActorSystem;
  private readonly idle: (() => void)[] = [];
  /** Errors invoked effects reported since the last `clearErrors()`. */
  errors: LockErrorData[] = [];

  constructor(private readonly options: HostOptions) {
    this.system = new ActorSystem(options.machine, options.input, options.children ?? {}, {
      invoke: (id, src, input, token) => this.start(id, src, input, token),
      action: (name) => options.actions?.[name]?.(),
      ...(options.observer ? { observe: options.observer } : {}),
    });
  }

  get state(): ActorState {
    return this.system.state;
  }

  get done(): boolean {
    return this.system.done;
  }

  /** Whether an invoked effect is in flight. */
  get busy(): boolean {
    return this.system.busy && !this.system.done;
  }

  child(id: string): ActorState | undefined {
    return this.system.child(id);
  }

  childIds(): string[] {
    return this.system.childIds();
  }

  clearErrors(): void {
    this.errors = [];
  }

  /** Sends an event to the machine; false when it was not handled (or the machine is done). */
  send(event: EventObject): boolean {
    const handled = this.system.send(event);
    this.wakeIfIdle();
    return handled;
  }

  /** Resolves once no invoked effect is in flight. */
  settled(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private start(id: string, src: string, input: unknown, token: number): void {
    const implementation = this.options.effects[src];
    if (!implementation) throw new Error(`invariant: no implementation for the invoked actor '${src}'`);
    implementation(input as never).then(
      (output) => this.finish(id, token, { type: `xstate.done.actor.${id}`, output } as EventObject),
      (error: unknown) => {
        const data = toErrorData(asLockError(error, { operation: src }));
        this.finish(id, token, { type: `xstate.error.actor.${id}`, error: data } as EventObject, data);
      },
    );
  }

  private finish(id: string, token: number, event: EventObject, error?: LockErrorData): void {
    if (this.system.settle(id, token, event) && error) this.errors.push(error);
    this.wakeIfIdle();
  }

  private wakeIfIdle(): void {
    if (!this.busy) for (const resolve of this.idle.splice(0)) resolve();
  }
}
