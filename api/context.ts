/**
 * A live lock-manager context: one XState actor of the manager machine with its driver calls
 * bound, and `call()`, which sends one API call as an event and settles it:
 * - an event the machine does not handle in its state is rejected with OPERATION_INVALID;
 * - an event that starts a driver call resolves when the call settled, or rejects with the
 *   driver's LockError;
 * - any call after free is OPERATION_INVALID.
 */
import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { LockError } from '../drivers/errors.ts';
import type { LockDriver } from '../drivers/driver.ts';
import { managerMachine, type ManagerEvent, type ManagerInput } from '../machines/manager.machine.ts';
import { driverActors, type ObjectSource } from './bind.ts';
import { rejection } from './rejection.ts';
import type { Supervisor } from './supervisor.ts';

type ManagerActor = Actor<typeof managerMachine>;
export type ManagerSnapshot = ReturnType<ManagerActor['getSnapshot']>;

/** States in which a driver call is in flight. */
const BUSY_STATES = [
  'registering',
  { started: { locks: 'acquiring' } },
  { started: { locks: 'releasing' } },
  { started: { hotplug: 'attaching' } },
  { started: { hotplug: 'detaching' } },
  { started: { query: 'inquiring' } },
  'shuttingDown',
  'freeing',
] as const;

export function isBusy(snapshot: ManagerSnapshot): boolean {
  return snapshot.status === 'active' && BUSY_STATES.some((state) => snapshot.matches(state));
}

export interface ContextOptions {
  readonly driver: LockDriver;
  readonly objects: ObjectSource;
  readonly input: ManagerInput;
  readonly supervisor?: Supervisor;
  /** XState inspection observer (live inspection, `--inspect`). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

export class ManagedContext {
  readonly actor: ManagerActor;
  private settled: (() => void) | null = null;

  constructor(options: ContextOptions) {
    const machine = managerMachine.provide({
      actors: driverActors(options.driver, options.objects, options.supervisor),
    });
    this.actor = createActor(machine, {
      input: options.input,
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.actor.subscribe({
      next: (snapshot) => {
        if (this.settled && !isBusy(snapshot)) {
          const settle = this.settled;
          this.settled = null;
          settle();
        }
      },
      error: () => {},
    });
    this.actor.start();
  }

  get snapshot(): ManagerSnapshot {
    return this.actor.getSnapshot();
  }

  /** Sends one call; see the module comment for how it settles. */
  async call(event: ManagerEvent, operation: string): Promise<ManagerSnapshot> {
    const before = this.actor.getSnapshot();
    if (before.status !== 'active') throw rejection('lock manager', before, operation);
    if (isBusy(before)) {
      throw new LockError({ code: 'OPERATION_INVALID', operation,
        message: `${operation}: another call on this lock manager is still in progress` });
    }
    this.actor.send(event);
    let after = this.actor.getSnapshot();
    if (after === before) throw rejection('lock manager', before, operation);
    if (isBusy(after)) {
      await new Promise<void>((resolve) => {
        this.settled = resolve;
      });
      after = this.actor.getSnapshot();
    }
    const error = after.context.lastError;
    if (error !== null && error !== before.context.lastError) {
      throw new LockError({ ...error, operation });
    }
    return after;
  }
}
