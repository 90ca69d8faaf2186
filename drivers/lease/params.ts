/**
 * The lease model's timing, named as sanlock names it (`timeouts.h`, `sanlock.8`, reference
 * sanlock.md §5). Everything derives from `io_timeout`, the longest a single I/O may take:
 *
 *   id_renewal_seconds      = 2·io_timeout   a host renews its delta lease this often
 *   id_renewal_fail_seconds = 8·io_timeout   no renewal for this long: the lease has failed, the
 *                                            daemon starts killing the pids that use it
 *   kill_grace_seconds      (sanlock -g, 40) SIGTERM (or the killpath) for this long, then SIGKILL
 *   watchdog_fire_timeout   (60)             /dev/watchdog resets the host this long after wdmd's
 *                                            last keepalive
 *   host_dead_seconds       = id_renewal_fail_seconds + watchdog_fire_timeout
 *                                            another host may take a silent host's leases only
 *                                            this long after it last saw the host renew
 *
 * wdmd keeps the watchdog alive while `now < last renewal + id_renewal_fail_seconds`, testing on a
 * clock of whole seconds, so its last keepalive can be as late as one second before that expiry
 * (`timeouts.h`: "the watchdog could fire as early as T160 or as late as T179, but the host_id
 * will not expire until T180"). The model takes the latest: the worst case for safety.
 *
 * Configuration keys: `io_timeout` (seconds; 0 means sanlock's default, 10), `kill_grace_seconds`,
 * `use_watchdog` (sanlock's `-w`), `watchdog_fire_timeout`; and lockchart's: `lease_versions`
 * (acquire checks the versions in the state string, as the sanlock driver's option of that name),
 * `holder_sigterm` (`exit`, QEMU's way; `ignore`: a holder only SIGKILL ends — the helper that
 * cannot reach libvirtd, §6 #16; `pause`: libvirt's `on_lockfailure='pause'`, the killpath helper
 * suspends the domain instead of a SIGTERM, §6 #17), `clock_rates`
 * (`host:rate,…`: a host whose clock runs fast or slow, for the margin search) and
 * `disk_lease_dir` (libvirt's, for the state strings).
 */
import { lockError } from '../../contract/errors.ts';
import type { DriverConfig } from '../../contract/driver.ts';
import { DEFAULT_DISK_LEASE_DIR } from '../sanlock/naming.ts';

/** wdmd's clock counts whole seconds: its last keepalive may come this long before the expiry. */
export const WDMD_KEEPALIVE_LEAD_MS = 1_000;
/** sanlock's io_timeout when none is configured (`DEFAULT_IO_TIMEOUT`). */
export const DEFAULT_IO_TIMEOUT_S = 10;

export interface LeaseParams {
  readonly ioTimeoutS: number;
  readonly killGraceS: number;
  readonly useWatchdog: boolean;
  readonly watchdogFireTimeoutS: number;
  readonly leaseVersions: boolean;
  readonly holderSigterm: 'exit' | 'ignore' | 'pause';
  /** Hosts whose clock runs at another rate than the virtual clock (1 = exact). */
  readonly clockRates: Readonly<Record<number, number>>;
  readonly diskLeaseDir: string;
  // Derived, in milliseconds of the virtual clock.
  readonly idRenewalMs: number;
  readonly idRenewalFailMs: number;
  readonly killGraceMs: number;
  readonly fireTimeoutMs: number;
  readonly hostDeadMs: number;
  /** A rebooted host joins its lockspace again this long after its old delta lease is dead. */
  readonly joinMs: number;
}

function bad(key: string, value: unknown, want: string): never {
  throw lockError('CONFIG_UNSUPPORTED',
    `lease model: '${key}' must be ${want}, got ${JSON.stringify(value)}`);
}

function integer(config: DriverConfig, key: string, fallback: number, min: number): number {
  const raw = config[key];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 86_400) {
    bad(key, raw, `a whole number of seconds from ${min} to 86400`);
  }
  return value;
}

function flag(config: DriverConfig, key: string, fallback: boolean): boolean {
  const raw = config[key];
  if (raw === undefined || raw === null) return fallback;
  if (raw === true || raw === 1 || raw === '1' || raw === 'true') return true;
  if (raw === false || raw === 0 || raw === '0' || raw === 'false') return false;
  return bad(key, raw, '0 or 1');
}

/** `"1:1.01,2:0.99"` or `{ "1": 1.01 }`: a rate per host, each in [0.5, 2]. */
function clockRates(config: DriverConfig): Record<number, number> {
  const raw = config['clock_rates'];
  if (raw === undefined || raw === null || raw === '') return {};
  const pairs: [string, unknown][] = typeof raw === 'string'
    ? raw.split(',').map((pair) => {
      const [host, rate] = pair.split(':');
      return [host ?? '', rate === undefined ? undefined : Number(rate)];
    })
    : typeof raw === 'object' ? Object.entries(raw as Record<string, unknown>) : [['', raw]];
  const rates: Record<number, number> = {};
  for (const [host, rate] of pairs) {
    if (!/^\d{1,3}$/.test(host) || typeof rate !== 'number' || !(rate >= 0.5 && rate <= 2)) {
      bad('clock_rates', raw, "'host:rate,…' with rates from 0.5 to 2");
    }
    if (rate !== 1) rates[Number(host)] = rate;
  }
  return rates;
}

/**
 * The `lease` row's configuration: lease versions checked (the check libvirt meant, 7474560b).
 * libvirt today skips it, which S9 catches in every run that migrates (§6 #12,
 * scenarios/sanlock-lver-ignored.scenario) and would hide every other verdict of the row.
 */
export const LEASE_ROW_CONFIG: DriverConfig = { lease_versions: true };

export function readParams(config: DriverConfig): LeaseParams {
  const io = integer(config, 'io_timeout', DEFAULT_IO_TIMEOUT_S, 0) || DEFAULT_IO_TIMEOUT_S;
  const killGraceS = integer(config, 'kill_grace_seconds', 40, 0);
  const watchdogFireTimeoutS = integer(config, 'watchdog_fire_timeout', 60, 2);
  const sigterm = config['holder_sigterm'] ?? 'exit';
  if (sigterm !== 'exit' && sigterm !== 'ignore' && sigterm !== 'pause') {
    bad('holder_sigterm', sigterm, "'exit', 'ignore' or 'pause'");
  }
  const dir = config['disk_lease_dir'] ?? DEFAULT_DISK_LEASE_DIR;
  if (typeof dir !== 'string' || !dir.startsWith('/')) bad('disk_lease_dir', dir, 'an absolute path');
  const idRenewalMs = 2 * io * 1000;
  const idRenewalFailMs = 8 * io * 1000;
  const fireTimeoutMs = watchdogFireTimeoutS * 1000;
  return {
    ioTimeoutS: io, killGraceS, useWatchdog: flag(config, 'use_watchdog', true),
    watchdogFireTimeoutS, leaseVersions: flag(config, 'lease_versions', false),
    holderSigterm: sigterm, clockRates: clockRates(config), diskLeaseDir: dir,
    idRenewalMs, idRenewalFailMs, killGraceMs: killGraceS * 1000, fireTimeoutMs,
    hostDeadMs: idRenewalFailMs + fireTimeoutMs,
    // The delta lease acquire after a reboot: the short delay and one renewal (3 s at io 1).
    joinMs: 2 * io * 1000 + 1000,
  };
}

/** One line for notes and `--help`: the timing in sanlock's words. */
export function describeParams(p: LeaseParams): string {
  return `io_timeout ${p.ioTimeoutS} s, renewal every ${p.idRenewalMs / 1000} s, fails after ` +
    `${p.idRenewalFailMs / 1000} s, kill grace ${p.killGraceS} s, ` +
    `${p.useWatchdog ? `watchdog fires ${p.watchdogFireTimeoutS} s after its last keepalive`
      : 'no watchdog (-w 0)'}, host_dead ${p.hostDeadMs / 1000} s`;
}
