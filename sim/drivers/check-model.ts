/**
 * Checks that a value loaded from a user's module is a complete service model (the simulator's
 * half of the driver contract) and says precisely what is missing when it is not.
 */
import { DRIVER_METHODS } from '../../drivers/driver.ts';

const MODEL_FUNCTIONS = [
  'initial', 'checkResource', 'register', 'acquire', 'release', 'inquire', 'callFromOwner',
  'ownerGone', 'daemonCrash', 'daemonReexec', 'hostCrash', 'grants', 'registration', 'encode',
] as const;

const OUTCOME_SETS = ['nothing', 'all-or-nothing', 'prefix', 'any-subset'];

export function checkModel(candidate: unknown): string | null {
  if (typeof candidate !== 'object' || candidate === null) {
    return "the module exports no 'model' (or default) object";
  }
  const value = candidate as Record<string, unknown>;
  const isAsyncDriver = DRIVER_METHODS.every((method) => typeof value[method] === 'function');
  if (isAsyncDriver && typeof value['register'] !== 'function') {
    return 'it exports a LockDriver (the libvirt table); the simulator steps the pure service ' +
      "model behind a driver — export 'model' implementing LockServiceModel (drivers/service.ts)";
  }
  if (typeof value['name'] !== 'string' || value['name'] === '') return "missing 'name'";
  for (const fn of MODEL_FUNCTIONS) {
    if (typeof value[fn] !== 'function') return `missing function '${fn}'`;
  }
  for (const flag of ['usesState', 'locks'] as const) {
    if (typeof value[flag] !== 'boolean') return `'${flag}' must be a boolean`;
  }
  const failure = value['failure'] as Record<string, unknown> | undefined;
  if (typeof failure !== 'object' || failure === null) return "missing 'failure' (admissible outcomes)";
  for (const call of ['acquire', 'release'] as const) {
    if (!OUTCOME_SETS.includes(failure[call] as string)) {
      return `'failure.${call}' must be one of ${OUTCOME_SETS.join(', ')}`;
    }
  }
  return null;
}
