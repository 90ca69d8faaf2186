/**
 * A lock service that fails on demand: virtlockd's model (`lockdModel`) whose next acquire or
 * release fails with a chosen error before taking effect. Used to show what the statecharts do
 * after a failed call, which the seed leaves undefined.
 */
import { toErrorData, lockError, type LockErrorCode } from '../../contract/errors.ts';
import { lockdModel, type LockdState } from '../../drivers/model/lockd-model.ts';
import { createServiceDriver, type ServiceDriver } from '../../drivers/service-driver.ts';
import { fail, type LockServiceModel } from '../../contract/service.ts';

export type FailingOperation = 'register' | 'acquire' | 'release';

export interface FailingDriver extends ServiceDriver<LockdState> {
  /** The next call of this kind fails with `code`, changing nothing. */
  failNext(operation: FailingOperation, code?: LockErrorCode): void;
}

export function createFailingDriver(): FailingDriver {
  const armed = new Map<FailingOperation, LockErrorCode>();
  const injected = (operation: FailingOperation) => {
    const code = armed.get(operation);
    if (code === undefined) return null;
    armed.delete(operation);
    return toErrorData(lockError(code, `injected ${operation} failure`));
  };
  const model: LockServiceModel<LockdState> = {
    ...lockdModel,
    name: 'failing-model',
    register(state, owner, options) {
      const error = injected('register');
      return error ? fail(state, error, 0) : lockdModel.register(state, owner, options);
    },
    acquire(state, request) {
      const error = injected('acquire');
      return error ? fail(state, error, 0) : lockdModel.acquire(state, request);
    },
    release(state, request) {
      const error = injected('release');
      return error ? fail(state, error, 0) : lockdModel.release(state, request);
    },
  };
  const driver = createServiceDriver(model);
  return Object.assign(driver, {
    failNext(operation: FailingOperation, code: LockErrorCode = 'RPC') {
      armed.set(operation, code);
    },
  });
}
