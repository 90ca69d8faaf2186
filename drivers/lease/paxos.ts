/**
 * The paxos leases as libvirt's sanlock plugin uses them, on the daemon of the caller's host:
 * a disk is the lease named by the MD5 of its path as spelled, in `__LIBVIRT__DISKS__`; read-only
 * disks are never leased; shared ones are SH leases. One acquire takes all its leases or none
 * (the daemon releases what it got when a later one fails); a release drops every held lease it
 * names. Who may take a lease another host holds is the lapse's business (`lapse.ts`): a live
 * owner refuses it (-243, -11 for a shared one), a silent one past host_dead_seconds does not.
 */
import { errorData, type LockErrorData } from '../../contract/errors.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { AUTO_DISK_LOCKSPACE, diskLeaseName, inLeaseDir } from '../sanlock/naming.ts';
import { codeName, describeCode, lockErrorCode, type SanlockOperation } from '../sanlock/result-codes.ts';
import { formatState, parseState } from '../sanlock/state-string.ts';
import { ResourceFlag, type SanlockResource } from '../sanlock/wire.ts';
import { takeable } from './lapse.ts';
import { hostOf, type LeaseHolder, type LeaseState, type PaxosLease } from './state.ts';

const names = new Map<string, string>();

/** The lease name of a resource: the MD5 of a disk's path, a `<lease>`'s key. */
export function leaseKey(resource: ResourceSpec): string {
  if (resource.kind === 'lease') return `${resource.lease?.lockspace ?? ''}:${resource.name}`;
  let name = names.get(resource.name);
  if (name === undefined) {
    name = diskLeaseName(resource.name);
    if (names.size > 100_000) names.clear();
    names.set(resource.name, name);
  }
  return name;
}

/** The daemon's answer `code` (a -errno or SANLK_*) as lockchart reports it. */
export function sanlockFailure(code: number, operation: SanlockOperation, what: string):
  LockErrorData {
  return errorData(lockErrorCode(code, operation),
    `sanlock ${operation} ${what}: ${describeCode(code)} (${codeName(code)}, ${code})`);
}

function findLease(leases: readonly PaxosLease[], key: string): number {
  return leases.findIndex((lease) => lease.key === key);
}

function put(leases: readonly PaxosLease[], lease: PaxosLease): PaxosLease[] {
  const next = leases.filter((other) => other.key !== lease.key);
  let at = next.findIndex((other) => other.key > lease.key);
  if (at < 0) at = next.length;
  next.splice(at, 0, lease);
  return next;
}

const byHostPid = (a: LeaseHolder, b: LeaseHolder) => a.host - b.host || a.pid - b.pid;

/** The version the caller's state string names for a lease, when it names one. */
function versionIn(state: readonly SanlockResource[], key: string): bigint | null {
  for (const entry of state) {
    if (entry.lockspace === AUTO_DISK_LOCKSPACE && entry.name === key &&
      entry.flags & ResourceFlag.LVER) return entry.lver;
  }
  return null;
}

/**
 * Takes every resource for `pid` on `host`, or none: the new leases, or the first refusal.
 * `checked` is the parsed state string when lease versions are checked.
 */
export function takeAll(state: LeaseState, pid: number, host: number,
  resources: readonly ResourceSpec[], checked: readonly SanlockResource[] | null):
  { leases: readonly PaxosLease[] } | { error: LockErrorData } {
  const generation = hostOf(state, host).generation;
  let leases = state.leases;
  for (const resource of resources) {
    if (resource.mode === 'readonly') continue;
    const key = leaseKey(resource);
    const shared = resource.mode === 'shared';
    const at = findLease(leases, key);
    const lease: PaxosLease = at < 0
      ? { key, resource: resource.name, shared, lver: 0, holders: [] } : leases[at]!;
    const what = `lease ${AUTO_DISK_LOCKSPACE}:${key} for pid ${pid}`;
    const wanted = checked && versionIn(checked, key);
    if (wanted !== null && wanted !== undefined && BigInt(lease.lver) !== wanted) {
      return { error: sanlockFailure(-240, 'acquire', what) };
    }
    const holders: LeaseHolder[] = [];
    for (const holder of lease.holders) {
      if (holder.host !== host && takeable(state, holder.host, holder.generation, host)) continue;
      if (!(lease.shared && shared) || holder.pid === pid && holder.host === host) {
        const code = holder.host === host ? -17 : lease.shared ? -11 : -243;
        return { error: sanlockFailure(code, 'acquire', what) };
      }
      holders.push(holder);
    }
    holders.push({ pid, host, generation });
    holders.sort(byHostPid);
    leases = put(leases, { key, resource: lease.holders.length > 0 ? lease.resource : resource.name,
      shared, lver: lease.lver + 1, holders });
  }
  return { leases };
}

/**
 * Drops the resources `pid` holds through `host`; the names it did not hold (-1, "not held").
 */
export function dropAll(state: LeaseState, pid: number, host: number,
  resources: readonly ResourceSpec[]): { leases: readonly PaxosLease[]; unheld: string[] } {
  let leases = state.leases;
  const unheld: string[] = [];
  for (const resource of resources) {
    if (resource.mode === 'readonly') continue;
    const key = leaseKey(resource);
    const at = findLease(leases, key);
    const lease = at < 0 ? undefined : leases[at]!;
    const mine = lease?.holders.findIndex((h) => h.pid === pid && h.host === host && !h.onDiskOnly) ?? -1;
    if (!lease || mine < 0) {
      unheld.push(resource.name);
      continue;
    }
    leases = put(leases, { ...lease, holders: lease.holders.filter((_, i) => i !== mine) });
  }
  return { leases, unheld };
}

/**
 * A release whose write fails (storage failing): the daemon drops the pid's tokens all the same,
 * the leases stay owned on disk (`LeaseHolder.onDiskOnly`).
 */
export function forgetAll(state: LeaseState, pid: number, host: number,
  resources: readonly ResourceSpec[]): readonly PaxosLease[] {
  const keys = new Set(resources.filter((r) => r.mode !== 'readonly').map(leaseKey));
  return state.leases.map((lease) => (keys.has(lease.key) && lease.holders.some((h) =>
    h.pid === pid && h.host === host && !h.onDiskOnly)
    ? { ...lease, holders: lease.holders.map((h) => (h.pid === pid && h.host === host
      ? { ...h, onDiskOnly: true as const } : h)) } : lease));
}

/** Every lease `pid` holds through `host`, in sanlock's state-string form (null: none). */
export function inquireString(state: LeaseState, pid: number, host: number): string | null {
  const held: SanlockResource[] = [];
  for (const lease of state.leases) {
    if (!lease.holders.some((h) => h.pid === pid && h.host === host && !h.onDiskOnly)) continue;
    held.push({ lockspace: AUTO_DISK_LOCKSPACE, name: lease.key,
      flags: lease.shared ? ResourceFlag.SHARED : 0, lver: BigInt(lease.lver),
      disks: [{ path: inLeaseDir(state.params.diskLeaseDir, lease.key), offset: 0 }] });
  }
  return held.length === 0 ? null : formatState(held);
}

/** The state string passed to acquire, parsed as libvirt does (garbage is refused). */
export function parseLockState(lockState: string | null | undefined):
  { state: SanlockResource[] } | { error: LockErrorData } {
  if (lockState === null || lockState === undefined || lockState === '') return { state: [] };
  try {
    return { state: parseState(lockState) };
  } catch (error) {
    return { error: errorData('INTERNAL_ERROR', (error as Error).message) };
  }
}
