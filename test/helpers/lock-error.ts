/** Asserting that a driver or API call fails with a typed LockError. */
import { isLockError, type LockError } from '../../contract/errors.ts';

/**
 * The LockError the call rejects with; throws (failing the test) when it succeeds or rejects
 * with anything else. A function is called first, so a synchronous throw counts too.
 */
export async function failure(call: Promise<unknown> | (() => Promise<unknown>)):
  Promise<LockError> {
  const settled = typeof call === 'function'
    ? Promise.resolve().then(call)
    : call;
  const error = await settled.then(() => null, (thrown: unknown) => thrown);
  if (error === null) throw new Error('expected a LockError, but the call succeeded');
  if (!isLockError(error)) throw new Error(`expected a LockError, got ${String(error)}`);
  return error;
}
