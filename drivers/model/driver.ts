/** The `model` driver: virtlockd's exact semantics, in memory (see `lockd-model.ts`). */
import { createServiceDriver, type ServiceDriver } from '../service-driver.ts';
import { lockdModel, type LockdState } from './lockd-model.ts';

export function createModelDriver(options: { host?: number } = {}): ServiceDriver<LockdState> {
  return createServiceDriver(lockdModel, options);
}
