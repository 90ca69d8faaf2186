/**
 * Checks that a value is a complete `LockDriver` table, as `virLockManagerPluginNew` does for a
 * plugin's `virLockDriver` ("Missing '<field>' field"), and says precisely what is wrong.
 */
import { DRIVER_METHODS } from '../../contract/driver.ts';
import { failureProblem } from './check-model.ts';

/** What is wrong with `candidate` as a driver table, or null when it is one. */
export function driverTableProblem(candidate: unknown): string | null {
  if (typeof candidate !== 'object' || candidate === null) return 'expected an object';
  const table = candidate as Record<string, unknown>;
  for (const field of DRIVER_METHODS) {
    if (typeof table[field] !== 'function') return `missing '${field}' field`;
  }
  if (typeof table['name'] !== 'string' || typeof table['version'] !== 'number') {
    return "missing 'name' or 'version'";
  }
  const failure = table['failure'] as Record<string, unknown> | undefined;
  if (typeof failure !== 'object' || failure === null || typeof failure['acquire'] !== 'string') {
    return "missing 'failure' (its admissible outcomes on failure)";
  }
  return null;
}

/** The stricter check for a table from a user's module: also the declared outcome sets. */
export function pluginDriverProblem(candidate: unknown): string | null {
  const problem = driverTableProblem(candidate);
  if (problem) return problem;
  const table = candidate as Record<string, unknown>;
  if (table['name'] === '') return "'name' is empty";
  if (typeof table['flags'] !== 'number') return "missing 'flags' field (0, or USES_STATE = 1)";
  return failureProblem(table['failure']);
}
