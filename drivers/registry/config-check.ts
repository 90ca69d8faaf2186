/**
 * Checks a driver configuration that came from a file or a module (a trace header, a scenario's
 * `config` line, a plugin's `config` export) before any model or driver sees it. A directory
 * given relative would resolve against wherever lockchart happens to run, so two runs of one
 * trace could lock different files: every path key must be absolute.
 */
import type { DriverConfig } from '../../contract/driver.ts';

/** Configuration keys that name a directory or a socket, across the built-in drivers. */
export const PATH_KEYS = ['file_lockspace_dir', 'lockspace_dir', 'lvm_lockspace_dir',
  'scsi_lockspace_dir', 'socket'] as const;

/** What is wrong with `config`, or null. */
export function configProblem(config: DriverConfig): string | null {
  for (const key of PATH_KEYS) {
    const value = config[key];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') return `'${key}' must be a string (a path)`;
    if (!value.startsWith('/')) {
      return `'${key}' must be an absolute path, got '${value}'`;
    }
  }
  return null;
}
