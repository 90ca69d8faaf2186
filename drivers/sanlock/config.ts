/**
 * The sanlock driver's configuration (libvirt: `qemu-sanlock.conf`), validated.
 *
 * libvirt's keys, with libvirt's defaults:
 * - `auto_disk_leases` (0): lease every read/write disk in `disk_lease_dir`;
 * - `disk_lease_dir` (`/var/lib/libvirt/sanlock`): the `__LIBVIRT__DISKS__` lockspace and one
 *   lease file per disk (meant to be on storage every host shares);
 * - `host_id` (unset): this host's id in that lockspace, 1..2000, required with auto leases;
 * - `require_lease_for_disks` (= not auto_disk_leases): refuse to start a domain with r/w
 *   exclusive disks but no `<lease>`;
 * - `io_timeout` (0 = the daemon's own default): stored in the lockspace when it is formatted.
 *
 * lockchart's own keys:
 * - `socket`: the daemon's socket (libvirt uses libsanlock's, `$SANLOCK_RUN_DIR/sanlock.sock`,
 *   default `/run/sanlock/sanlock.sock`; a key so tests can use private daemons);
 * - `timeout_ms` (unset): give up waiting for an unregistered command's reply after this long
 *   (OPERATION_TIMEOUT, outcome unknown). libvirt waits as long as the daemon takes;
 * - `lease_versions` (0): 1 acquires with the lease versions of the state string passed to
 *   acquire (the daemon then refuses a lease someone else took in between, -240). libvirt parses
 *   the state but acquires without it (edge case #12); 0 keeps libvirt's behaviour.
 *
 * libvirt's `user` and `group` (chown of lease files for an unprivileged daemon) are not
 * supported: the daemon here runs as the caller.
 */
import { lockError } from '../../contract/errors.ts';
import type { DriverConfig } from '../../contract/driver.ts';
import { describe } from '../../contract/params.ts';
import { DEFAULT_DISK_LEASE_DIR } from './naming.ts';

export const DEFAULT_SANLOCK_SOCKET = '/run/sanlock/sanlock.sock';
/** sanlock's host_id range with 512-byte sectors (one delta lease per host in 1 MiB). */
export const MAX_HOST_ID = 2000;

export interface SanlockConfig {
  readonly socket: string;
  readonly autoDiskLeases: boolean;
  readonly diskLeaseDir: string;
  /** 0 when unset. */
  readonly hostId: number;
  readonly requireLeaseForDisks: boolean;
  readonly ioTimeoutS: number;
  readonly timeoutMs: number | undefined;
  readonly leaseVersions: boolean;
}

const KEYS = ['socket', 'auto_disk_leases', 'disk_lease_dir', 'host_id',
  'require_lease_for_disks', 'io_timeout', 'timeout_ms', 'lease_versions'];

function bad(message: string): never {
  throw lockError('INVALID_ARG', `sanlock: ${message}`, { operation: 'init', driver: 'sanlock' });
}

function flag(config: DriverConfig, key: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined) return fallback;
  if (value === 0 || value === 1 || typeof value === 'boolean') return Boolean(value);
  return bad(`'${key}' must be 0 or 1, got ${describe(value)}`);
}

function count(config: DriverConfig, key: string, max: number): number | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    return bad(`'${key}' must be an integer in 0..${max}, got ${describe(value)}`);
  }
  return value;
}

function absolutePath(value: unknown, key: string): string {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    return bad(`'${key}' must be an absolute path, got ${describe(value)}`);
  }
  return value;
}

/**
 * Validates a sanlock driver configuration (see the module comment for the keys).
 * @throws INVALID_ARG for an unknown key or a value of the wrong kind.
 */
export function parseSanlockConfig(config: DriverConfig): SanlockConfig {
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) bad(`unknown configuration key '${key}' (known: ${KEYS.join(', ')})`);
  }
  const autoDiskLeases = flag(config, 'auto_disk_leases', false);
  const timeoutMs = count(config, 'timeout_ms', 2 ** 31 - 1);
  if (timeoutMs === 0) bad(`'timeout_ms' must be positive`);
  return {
    socket: config['socket'] === undefined ? DEFAULT_SANLOCK_SOCKET
      : absolutePath(config['socket'], 'socket'),
    autoDiskLeases,
    diskLeaseDir: config['disk_lease_dir'] === undefined ? DEFAULT_DISK_LEASE_DIR
      : absolutePath(config['disk_lease_dir'], 'disk_lease_dir'),
    hostId: count(config, 'host_id', MAX_HOST_ID) ?? 0,
    requireLeaseForDisks: flag(config, 'require_lease_for_disks', !autoDiskLeases),
    ioTimeoutS: count(config, 'io_timeout', 3600) ?? 0,
    timeoutMs,
    leaseVersions: flag(config, 'lease_versions', false),
  };
}
