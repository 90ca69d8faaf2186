/**
 * The named actors (effects) the machines invoke, with their input and output contracts.
 *
 * Machines only *name* these; they never perform I/O. A host supplies implementations:
 * `api/` provides them with `machine.provide({ actors })` to call a real `LockDriver`, and the
 * simulator resolves them itself against a pure service model, choosing among the outcomes a
 * failure admits. The defaults here reject, so a machine run without a host fails loudly rather
 * than pretending a lock was taken.
 */
import { fromPromise } from 'xstate';
import { lockError } from '../contract/errors.ts';
import type { DomainParams } from '../contract/params.ts';
import type { ResourceSpec } from '../contract/resources.ts';

/** Input of every lock-call actor of the manager. */
export interface LockCallInput {
  readonly params: DomainParams;
  readonly resources: readonly ResourceSpec[];
  readonly lockState: string | null;
  readonly flags: number;
  readonly action: number;
  /**
   * The call waits while a resource is busy instead of failing (the RFC's AcquireResource: "If
   * no flags are given" it blocks until the lock is free; the seed left out the non-blocking
   * probe).
   */
  readonly wait?: boolean;
}

/** What an acquire returns: the descriptor leaked into the process, if any. */
export interface AcquireOutput {
  readonly fd: number | null;
}

/** What a release or inquire call returns: the opaque lock-state string, or null. */
export type LockStateOutput = string | null;

/** Input of the domain's lock operations: the disks concerned and the saved lock state. */
export interface DomainLockInput {
  readonly disks: readonly ResourceSpec[];
  readonly lockState: string | null;
}

export function unprovided<TInput, TOutput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw lockError('INTERNAL_ERROR', `actor '${name}' was not provided by the host`);
  });
}
