/**
 * A live lock-manager context: one manager statechart on a `MachineHost` with its driver calls
 * bound, and `call()`, which sends one API call as an event and settles it:
 * - an event the machine does not handle in its state is rejected with OPERATION_INVALID;
 * - an event that starts a driver call resolves when the call settled, or rejects with the
 *   driver's LockError;
 * - any call after free is OPERATION_INVALID.
 */
import type { EventObject } from 'xstate';
import { LockError } from '../contract/errors.ts';
import type { LockDriver } from '../contract/driver.ts';
import { InternedMachine } from '../machines/interned.ts';
import {
  managerMachine,
  type ManagerEvent,
  type ManagerInput,
} from '../machines/manager.machine.ts';
import { processMachine } from '../machines/process.machine.ts';
import { resourceMachine } from '../machines/resource.machine.ts';
import { driverEffects, type ObjectSource } from './bind.ts';
import { MachineHost, type HostRecord } from './host.ts';
import { describeState, rejection } from './rejection.ts';
import type { Supervisor } from '../contract/supervisor.ts';

export type ManagerSnapshot = ReturnType<typeof managerMachine.getInitialSnapshot>;

/** Shared by every context of the process, so their transitions are memoised once. */
const MACHINES = {
  manager: new InternedMachine('manager', managerMachine, 200_000),
  resource: new InternedMachine('resource', resourceMachine, 10_000),
  process: new InternedMachine('process', processMachine, 1_000),
};

export interface ContextOptions {
  readonly driver: LockDriver;
  readonly objects: ObjectSource;
  readonly input: ManagerInput;
  readonly supervisor?: Supervisor;
  /** Sees every event every actor of this context processed (live inspection). */
  readonly observer?: (record: HostRecord) => void;
}

export class ManagedContext {
  readonly host: MachineHost;

  constructor(options: ContextOptions) {
    this.host = new MachineHost({
      machine: MACHINES.manager,
      // The manager's beliefs after a failure follow what this driver declares.
      input: { failure: { acquire: options.driver.failure.acquire,
        release: options.driver.failure.release }, ...options.input },
      children: { resource: MACHINES.resource, process: MACHINES.process },
      effects: driverEffects(options.driver, options.objects, options.supervisor),
      ...(options.observer ? { observer: options.observer } : {}),
    });
  }

  get snapshot(): ManagerSnapshot {
    return this.host.state.snapshot as ManagerSnapshot;
  }

  /** The snapshot of a child actor (a resource or the supervised process), if it exists. */
  childSnapshot(id: string) {
    return this.host.child(id)?.snapshot;
  }

  /** Delivers an event as the runtime would (invoke results included): for tests and tools. */
  deliver(event: EventObject): boolean {
    return this.host.send(event);
  }

  /** Sends one call; see the module comment for how it settles. */
  async call(event: ManagerEvent, operation: string): Promise<ManagerSnapshot> {
    const before = this.snapshot;
    if (this.host.done) throw rejection('lock manager', before, operation);
    if (this.host.busy) {
      throw new LockError({ code: 'OPERATION_INVALID', operation,
        message: `${operation}: another call on this lock manager is still in progress ` +
          `(state ${describeState(before)})` });
    }
    this.host.clearErrors();
    if (!this.host.send(event)) throw rejection('lock manager', before, operation);
    await this.host.settled();
    const error = this.host.errors[0];
    if (error) throw new LockError({ ...error, operation });
    return this.snapshot;
  }
}
