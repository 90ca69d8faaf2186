/**
 * The configuration of the `libvirt-lockd` driver (libvirt's own lockd.so, run by the helper),
 * validated, and the `qemu-lockd.conf` libvirt reads from it.
 *
 * - `socket`: the virtlockd socket linked to `/run/libvirt/virtlockd-sock` in the helper's
 *   private /run (lockd.so's path is fixed; this is how a private daemon is reached).
 * - `file_lockspace_dir`: indirect leases, as in libvirt's own qemu-lockd.conf; absent: direct.
 * - `timeout_ms`: per request to the helper (libvirt waits for ever; a timeout is "unknown").
 *
 * lockd.conf's `auto_disk_leases` is written as 1 and `require_lease_for_disks` as 0: disks are
 * locked automatically, as lockchart's own lockd driver always does.
 */
import { lockError } from '../../contract/errors.ts';
import type { DriverConfig } from '../../contract/driver.ts';
import { describe } from '../../contract/params.ts';

export interface LibvirtConfig {
  readonly socket: string;
  readonly lockspaceDir: string | null;
  readonly timeoutMs: number;
}

const KEYS = ['socket', 'file_lockspace_dir', 'timeout_ms'];

/** A path libvirt's config parser reads back unchanged inside double quotes. */
function confPath(value: unknown, key: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /["\\\n\r\0]/.test(value)) {
    throw lockError('INVALID_ARG', `libvirt-lockd: '${key}' must be an absolute path without ` +
      `quotes, backslashes or newlines, got ${describe(value)}`,
    { operation: 'init', driver: 'libvirt-lockd' });
  }
  return value;
}

/**
 * Validates a configuration.
 * @throws INVALID_ARG for an unknown key, a missing or relative socket, a bad lockspace dir or
 *   timeout.
 */
export function parseLibvirtConfig(config: DriverConfig): LibvirtConfig {
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) {
      throw lockError('INVALID_ARG', `libvirt-lockd: unknown configuration key '${key}' ` +
        `(known: ${KEYS.join(', ')})`, { operation: 'init', driver: 'libvirt-lockd' });
    }
  }
  const socket = confPath(config['socket'], 'socket');
  const dir = config['file_lockspace_dir'];
  const lockspaceDir = dir === undefined || dir === null || dir === ''
    ? null : confPath(dir, 'file_lockspace_dir');
  const timeout = config['timeout_ms'] ?? 30_000;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0) {
    throw lockError('INVALID_ARG', `libvirt-lockd: 'timeout_ms' must be a positive integer, ` +
      `got ${describe(timeout)}`, { operation: 'init', driver: 'libvirt-lockd' });
  }
  return { socket, lockspaceDir, timeoutMs: timeout };
}

/** `qemu-lockd.conf` for libvirt's lockd.so (pure). */
export function lockdConfText(config: LibvirtConfig): string {
  return [
    '# written by lockchart for libvirt\'s lockd.so',
    'auto_disk_leases = 1',
    'require_lease_for_disks = 0',
    ...(config.lockspaceDir === null ? [] : [`file_lockspace_dir = "${config.lockspaceDir}"`]),
    '',
  ].join('\n');
}

/** Where lockd.so connects as root, inside the helper's private /run. */
export const LOCKD_RUN_SOCKET = '/run/libvirt/virtlockd-sock';
