/**
 * The lockd driver's configuration (libvirt: `qemu-lockd.conf`), validated.
 *
 * - `socket`: virtlockd's UNIX socket (libvirt's is fixed at `/run/libvirt/virtlockd-sock`;
 *   lockchart names it so tests and `lockchart conform` can use private daemons).
 * - `file_lockspace_dir`: indirect leases in this directory (sha256 of the disk path); absent =
 *   direct leases on the disk paths themselves.
 * - `alias_lockspace_dir`: where direct mode keeps its alias leases (`naming.ts`); default
 *   `lockchart-aliases` beside the socket (`/run/libvirt/lockchart-aliases` for the system
 *   daemon): aliasing in direct mode is a matter of one daemon's table (across daemons the
 *   kernel lock on the image excludes every spelling), so the lockspace is the daemon's.
 * - `timeout_ms`: per-call timeout (libvirt has none); a timeout means "outcome unknown".
 */
import { dirname, join } from 'node:path';
import { lockError } from '../../contract/errors.ts';
import type { DriverConfig } from '../../contract/driver.ts';
import { describe } from '../../contract/params.ts';
import { DEFAULT_CALL_TIMEOUT_MS } from './client.ts';
import { normaliseLockspaceDir, type LockdSpaces } from './naming.ts';

/** The validated configuration (see the module comment for the keys). */
export interface LockdConfig extends LockdSpaces {
  readonly socket: string;
  readonly timeoutMs: number;
}

const KEYS = ['socket', 'file_lockspace_dir', 'alias_lockspace_dir', 'timeout_ms'];

function absolutePath(value: unknown, key: string): string {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw lockError('INVALID_ARG',
      `lockd: '${key}' must be an absolute path, got ${describe(value)}`,
      { operation: 'init', driver: 'lockd' });
  }
  return value;
}

/**
 * Validates a lockd driver configuration.
 * @throws INVALID_ARG for an unknown key, a missing or relative socket, a relative lockspace
 *   dir or a bad timeout.
 */
export function parseLockdConfig(config: DriverConfig): LockdConfig {
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) {
      throw lockError('INVALID_ARG', `lockd: unknown configuration key '${key}' ` +
        `(known: ${KEYS.join(', ')})`, { operation: 'init', driver: 'lockd' });
    }
  }
  const socket = absolutePath(config['socket'], 'socket');
  const dir = config['file_lockspace_dir'];
  const lockspaceDir = dir === undefined || dir === null || dir === ''
    ? null : normaliseLockspaceDir(absolutePath(dir, 'file_lockspace_dir'));
  const timeout = config['timeout_ms'] ?? DEFAULT_CALL_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0) {
    throw lockError('INVALID_ARG', `lockd: 'timeout_ms' must be a positive integer, ` +
      `got ${describe(timeout)}`, { operation: 'init', driver: 'lockd' });
  }
  const alias = config['alias_lockspace_dir'];
  const aliasDir = alias === undefined || alias === null || alias === ''
    ? join(dirname(socket), 'lockchart-aliases')
    : normaliseLockspaceDir(absolutePath(alias, 'alias_lockspace_dir'));
  return { socket, lockspaceDir, aliasDir, timeoutMs: timeout };
}
