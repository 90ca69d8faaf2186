/**
 * The configuration of the kernel-lock drivers: `lockspace_dir` (lockd's `file_lockspace_dir` is
 * accepted as a synonym, so a simulation can hand the same file to both) selects indirect
 * leases; each driver may accept a few numeric tuning keys of its own.
 */
import { lockError } from '../../contract/errors.ts';
import type { DriverConfig } from '../../contract/driver.ts';

export interface KernelConfig {
  /** The indirect lockspace, or null for direct locks on the disk paths. */
  readonly lockspaceDir: string | null;
  /** The driver's own numeric keys that were set. */
  readonly numbers: Readonly<Record<string, number>>;
}

const LOCKSPACE_KEYS = ['lockspace_dir', 'file_lockspace_dir'];

/**
 * Validates a configuration.
 * @throws INVALID_ARG for an unknown key or a value of the wrong type.
 */
export function parseKernelConfig(
  config: DriverConfig,
  numericKeys: readonly string[],
  driver: string,
): KernelConfig {
  const where = { operation: 'init', driver };
  let lockspaceDir: string | null = null;
  const numbers: Record<string, number> = {};
  for (const [key, value] of Object.entries(config)) {
    if (LOCKSPACE_KEYS.includes(key)) {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'string') {
        throw lockError('INVALID_ARG', `${key} must be a string path`, where);
      }
      if (lockspaceDir !== null && lockspaceDir !== value) {
        throw lockError('INVALID_ARG', `${LOCKSPACE_KEYS.join(' and ')} disagree`, where);
      }
      lockspaceDir = value;
    } else if (numericKeys.includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw lockError('INVALID_ARG', `${key} must be a positive number`, where);
      }
      numbers[key] = value;
    } else {
      const known = [...LOCKSPACE_KEYS, ...numericKeys].join(', ');
      throw lockError('INVALID_ARG', `unknown configuration key '${key}' (known: ${known})`, where);
    }
  }
  return { lockspaceDir, numbers };
}
