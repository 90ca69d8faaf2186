/** The `posix` driver's declared failure outcomes. */
import type { FailureSemantics } from '../../contract/driver.ts';

export const POSIX_FAILURE: FailureSemantics = {
  acquire: 'prefix',
  release: 'prefix',
  rationale: "resources are locked one at a time, in order, by the owner's supervisor with no " +
    'rollback; a call that timed out may still take effect in the supervisor afterwards, which ' +
    'only extends the prefix, and a supervisor that dies drops all its locks',
};
