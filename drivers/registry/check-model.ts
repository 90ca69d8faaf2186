/**
 * Checks that a value loaded from a user's module is a complete service model (the simulator's
 * half of the driver contract) and says precisely what is missing when it is not.
 */
import { DRIVER_METHODS } from '../../contract/driver.ts';
import { FAILURE_OUTCOME_SETS, isFailureOutcomeSet } from '../../contract/outcomes.ts';

export const MODEL_FUNCTIONS = [
  'initial', 'checkResource', 'register', 'acquire', 'release', 'inquire', 'callFromOwner',
  'ownerGone', 'daemonCrash', 'daemonReexec', 'hostCrash', 'grants', 'registration', 'encode',
] as const;

export type ModelFunction = (typeof MODEL_FUNCTIONS)[number] | 'relabel';

/** Why `failure` is not a declared outcome set per call, or null. */
export function failureProblem(failure: unknown): string | null {
  if (typeof failure !== 'object' || failure === null) return "missing 'failure' (admissible outcomes)";
  for (const call of ['acquire', 'release'] as const) {
    if (!isFailureOutcomeSet((failure as Record<string, unknown>)[call])) {
      return `'failure.${call}' must be one of ${FAILURE_OUTCOME_SETS.join(', ')}`;
    }
  }
  return null;
}

const isAsync = (fn: unknown) => typeof fn === 'function' &&
  (fn.constructor.name === 'AsyncFunction' || fn.constructor.name === 'AsyncGeneratorFunction');

export function checkModel(candidate: unknown): string | null {
  if (typeof candidate !== 'object' || candidate === null) {
    return "the module exports no 'model' (or default) object";
  }
  const value = candidate as Record<string, unknown>;
  const isAsyncDriver = DRIVER_METHODS.every((method) => typeof value[method] === 'function');
  if (isAsyncDriver && typeof value['register'] !== 'function') {
    return 'it exports a LockDriver (the libvirt table); the simulator steps the pure service ' +
      "model behind a driver — export 'model' implementing LockServiceModel (contract/service.ts), " +
      "or export 'createDriver' and run it in real mode (sim --real)";
  }
  if (typeof value['name'] !== 'string' || value['name'] === '') return "missing 'name'";
  for (const fn of MODEL_FUNCTIONS) {
    if (typeof value[fn] !== 'function') return `missing function '${fn}'`;
    if (isAsync(value[fn])) {
      return `function '${fn}' is async: a service model is synchronous (state in, state out)`;
    }
  }
  if (value['relabel'] !== undefined && typeof value['relabel'] !== 'function') {
    return "'relabel' must be a function when present";
  }
  for (const flag of ['usesState', 'locks'] as const) {
    if (typeof value[flag] !== 'boolean') return `'${flag}' must be a boolean`;
  }
  return failureProblem(value['failure']);
}
