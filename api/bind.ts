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
import { asLockError, lockError } from '../drivers/errors.ts';
import type { LockDriver } from '../drivers/driver.ts';
import { AcquireFlags, ObjectType } from '../drivers/flags.ts';
import type { DomainParams } from '../drivers/params.ts';
import type { AcquireOutput, LockCallInput, LockStateOutput } from '../machines/actors.ts';
import type { Supervisor } from './supervisor.ts';

export interface BoundObject {
  readonly object: unknown;
  /** A fresh object made for this call, freed after it. */
  readonly temporary: boolean;
}

export type ObjectSource = (input: LockCallInput) => Promise<BoundObject>;

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

export function driverActors(driver: LockDriver, source: ObjectSource, supervisor?: Supervisor) {
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
  const acquire = (input: LockCallInput, flags: number): Promise<AcquireOutput> =>
    withObject(input, 'acquire', (object) =>
      driver.acquire(object, { state: input.lockState, flags, action: input.action as 0 }));

  return {
    registerOwner: fromPromise<AcquireOutput, LockCallInput>(({ input }) => acquire(input, input.flags)),
    acquireResources: fromPromise<AcquireOutput, LockCallInput>(({ input }) =>
      acquire(input, input.flags & ~AcquireFlags.REGISTER_ONLY)),
    releaseResources: fromPromise<LockStateOutput, LockCallInput>(({ input }) =>
      withObject(input, 'release', (object) => driver.release(object, 0))),
    inquireState: fromPromise<LockStateOutput, LockCallInput>(({ input }) =>
      withObject(input, 'inquire', (object) => driver.inquire(object, 0))),
    killProcess: fromPromise<void, { params: DomainParams }>(async ({ input }) => {
      const pid = input.params.pid;
      if (!supervisor || pid === undefined) {
        throw lockError('INTERNAL_ERROR', 'no supervised process to kill');
      }
      await supervisor.kill(pid);
    }),
  };
}
