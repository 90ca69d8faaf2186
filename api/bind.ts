/**
 * The only place where the manager machine meets a `LockDriver`: implementations of the machine's
 * named actors (`machines/actors.ts`) that make real driver calls, handed to the machine with
 * `managerMachine.provide({ actors })`.
 *
 * Every call follows `domain_lock.c`: take a driver object (the caller's own for the libvirt
 * face, or a fresh one holding just the resources concerned for the RFC face), make one call,
 * free a fresh object again. Anything a driver throws that is not a LockError becomes
 * INTERNAL_ERROR naming the driver and the call, as `lock_manager.c` does.
 */
import { fromPromise } from 'xstate';
import { setTimeout as sleep } from 'node:timers/promises';
import { asLockError, isLockError, lockError } from '../contract/errors.ts';
import type { LockDriver } from '../contract/driver.ts';
import { AcquireFlags, ObjectType } from '../contract/flags.ts';
import type { DomainParams } from '../contract/params.ts';
import type { AcquireOutput, LockCallInput, LockStateOutput } from '../machines/actors.ts';
import type { Supervisor } from '../contract/supervisor.ts';

export interface BoundObject {
  readonly object: unknown;
  /** A fresh object made for this call, freed after it. */
  readonly temporary: boolean;
}

export type ObjectSource = (input: LockCallInput) => Promise<BoundObject>;

/** How long a waiting acquire lets a busy resource be before it asks again, at first and at most. */
const WAIT_FIRST_MS = 5;
const WAIT_MAX_MS = 200;

/** A fresh driver object per call, declaring exactly the resources the call is about. */
export function freshObjects(driver: LockDriver): ObjectSource {
  return async (input) => {
    const object = await driver.create({ type: ObjectType.DOMAIN, params: input.params, flags: 0 });
    try {
      for (const resource of input.resources) await driver.addResource(object, resource);
    } catch (error) {
      await driver.free(object);
      throw error;
    }
    return { object, temporary: true };
  };
}

/**
 * The manager's named actors as plain async functions calling the driver: what `MachineHost`
 * runs. `driverActors` wraps the same functions for XState's runtime.
 */
export function driverEffects(driver: LockDriver, source: ObjectSource, supervisor?: Supervisor) {
  async function withObject<T>(
    input: LockCallInput,
    operation: string,
    call: (object: unknown) => Promise<T>,
  ): Promise<T> {
    try {
      const { object, temporary } = await source(input);
      try {
        return await call(object);
      } finally {
        if (temporary) await driver.free(object);
      }
    } catch (error) {
      throw asLockError(error, { operation, driver: driver.name });
    }
  }
  const once = (input: LockCallInput, flags: number): Promise<AcquireOutput> =>
    withObject(input, 'acquire', (object) =>
      driver.acquire(object, { state: input.lockState, flags, action: input.action as 0 }));
  /** A waiting acquire (the RFC's AcquireResource) tries again while the resource is busy. */
  const acquire = async (input: LockCallInput, flags: number): Promise<AcquireOutput> => {
    for (let pause = WAIT_FIRST_MS; ; pause = Math.min(pause * 2, WAIT_MAX_MS)) {
      try {
        return await once(input, flags);
      } catch (error) {
        if (!input.wait || !isLockError(error) || error.code !== 'RESOURCE_BUSY') throw error;
      }
      await sleep(pause);
    }
  };

  return {
    registerOwner: (input: LockCallInput) => acquire(input, input.flags),
    acquireResources: (input: LockCallInput) => acquire(input, input.flags & ~AcquireFlags.REGISTER_ONLY),
    releaseResources: (input: LockCallInput): Promise<LockStateOutput> =>
      withObject(input, 'release', (object) => driver.release(object, 0)),
    inquireState: (input: LockCallInput): Promise<LockStateOutput> =>
      withObject(input, 'inquire', (object) => driver.inquire(object, 0)),
    killProcess: async (input: { params: DomainParams }): Promise<void> => {
      const pid = input.params.pid;
      if (!supervisor || pid === undefined) {
        throw lockError('INTERNAL_ERROR', 'no supervised process to kill');
      }
      await supervisor.kill(pid);
    },
  };
}

/** The same implementations as XState actor logic, for `managerMachine.provide({ actors })`. */
export function driverActors(driver: LockDriver, source: ObjectSource, supervisor?: Supervisor) {
  const effects = driverEffects(driver, source, supervisor);
  return {
    registerOwner: fromPromise<AcquireOutput, LockCallInput>(({ input }) => effects.registerOwner(input)),
    acquireResources: fromPromise<AcquireOutput, LockCallInput>(({ input }) =>
      effects.acquireResources(input)),
    releaseResources: fromPromise<LockStateOutput, LockCallInput>(({ input }) =>
      effects.releaseResources(input)),
    inquireState: fromPromise<LockStateOutput, LockCallInput>(({ input }) => effects.inquireState(input)),
    killProcess: fromPromise<void, { params: DomainParams }>(({ input }) => effects.killProcess(input)),
  };
}
