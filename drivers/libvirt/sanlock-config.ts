/**
 * The configuration of the `libvirt-sanlock` driver (libvirt's own sanlock.so, run by the
 * helper), validated, and the `qemu-sanlock.conf` libvirt reads from it.
 *
 * - `run_dir`: the sanlock daemon's run directory. libsanlock (libsanlock_client.so.1, which
 *   sanlock.so links) finds its daemon at `$SANLOCK_RUN_DIR/sanlock.sock` (`env_get` of
 *   SANLOCK_RUN_DIR, default `/run/sanlock`): the helper gets it in its environment, and so do
 *   the VMs it forks, whose registration libsanlock makes. The helper's private /run hides the
 *   machine's /run/sanlock, so a daemon reached any other way would be an error, not a leak.
 * - `disk_lease_dir`, `host_id`, `io_timeout`: libvirt's own keys, written to qemu-sanlock.conf
 *   (`io_timeout` 1 s by default here: the lockspace join at plugin init then takes ~3 s).
 * - `timeout_ms`: per request to the helper (libvirt waits for ever; a timeout is "unknown").
 *
 * `auto_disk_leases` is written as 1 and `require_lease_for_disks` as 0: disks are leased
 * automatically in `disk_lease_dir`, as lockchart's sanlock driver does with the same keys.
 */
import { lockError } from '../../contract/errors.ts';
import type { DriverConfig } from '../../contract/driver.ts';
import { describe } from '../../contract/params.ts';

export interface LibvirtSanlockConfig {
  readonly runDir: string;
  readonly diskLeaseDir: string;
  readonly hostId: number;
  readonly ioTimeoutS: number;
  readonly timeoutMs: number;
}

const KEYS = ['run_dir', 'disk_lease_dir', 'host_id', 'io_timeout', 'timeout_ms'];
const DRIVER = 'libvirt-sanlock';

function bad(message: string): never {
  throw lockError('INVALID_ARG', `${DRIVER}: ${message}`, { operation: 'init', driver: DRIVER });
}

/** A path libvirt's config parser reads back unchanged inside double quotes. */
function confPath(value: unknown, key: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /["\\\n\r\0]/.test(value)) {
    return bad(`'${key}' must be an absolute path without quotes, backslashes or newlines, ` +
      `got ${describe(value)}`);
  }
  return value;
}

function integer(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return bad(`'${key}' must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  return value;
}

/**
 * Validates a configuration.
 * @throws INVALID_ARG for an unknown key, a missing or relative path, a host_id outside
 *   1..2000 (libvirt refuses auto leases without one), a bad io_timeout or timeout.
 */
export function parseLibvirtSanlockConfig(config: DriverConfig): LibvirtSanlockConfig {
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) bad(`unknown configuration key '${key}' (known: ${KEYS.join(', ')})`);
  }
  const runDir = confPath(config['run_dir'], 'run_dir');
  if (runDir === '/run' || runDir.startsWith('/run/')) {
    bad(`'run_dir' ${runDir} is under /run, which the helper's private tmpfs hides`);
  }
  return {
    runDir,
    diskLeaseDir: confPath(config['disk_lease_dir'], 'disk_lease_dir'),
    hostId: integer(config['host_id'], 'host_id', 1, 2000),
    ioTimeoutS: integer(config['io_timeout'] ?? 1, 'io_timeout', 0, 3600),
    timeoutMs: integer(config['timeout_ms'] ?? 30_000, 'timeout_ms', 1, 2 ** 31 - 1),
  };
}

/** `qemu-sanlock.conf` for libvirt's sanlock.so (pure). */
export function sanlockConfText(config: LibvirtSanlockConfig): string {
  return [
    '# written by lockchart for libvirt\'s sanlock.so',
    'auto_disk_leases = 1',
    'require_lease_for_disks = 0',
    `disk_lease_dir = "${config.diskLeaseDir}"`,
    `host_id = ${config.hostId}`,
    `io_timeout = ${config.ioTimeoutS}`,
    '',
  ].join('\n');
}

/** The helper's environment for this configuration: libsanlock's daemon. */
export function sanlockHelperEnv(config: Pick<LibvirtSanlockConfig, 'runDir'>):
  Record<string, string> {
  return { SANLOCK_RUN_DIR: config.runDir };
}
