/**
 * Locks held in the driver's own process on behalf of owner pids (the `ofd` driver): one lock
 * table here, owners known by pid *and* start time.
 *
 * The kernel cannot drop these locks when an owner dies, because the owner does not hold them:
 * this process does. So the backend watches its owners: a poll every `pollMs` while anything is
 * held, a check of the holders whenever a held file is asked for again, and `ownerGone` for a
 * caller that learns of a death first (a supervisor's exit event). A dead owner's locks are
 * dropped at the first of these; between its death and then, the locks still hold (and a pid
 * reused within that window would be taken for the dead owner: pids are handed out in sequence
 * up to pid_max, so that takes millions of process starts within one poll).
 */
import { lockError } from '../../contract/errors.ts';
import type { KernelBackend } from './kernel-driver.ts';
import { LockTable } from './lock-table.ts';
import type { LockTarget } from './lock-target.ts';
import type { LockPrimitive } from './primitives.ts';
import { identify, isAlive, type ProcessIdentity } from '../../system/process-identity.ts';

export const DEFAULT_OWNER_POLL_MS = 100;

export interface InProcessOptions {
  readonly driver: string;
  readonly primitive: LockPrimitive;
  readonly identity: 'path' | 'inode';
  readonly pollMs?: number;
}

export interface InProcessBackend extends KernelBackend {
  readonly table: LockTable;
  /** The owner died: drops its locks now; returns how many grants went. */
  ownerGone(pid: number): number;
  /** Checks every owner once and drops the locks of the dead; returns how many grants went. */
  reap(): number;
}

export function inProcessBackend(options: InProcessOptions): InProcessBackend {
  const table = new LockTable(options);
  // Owners are identified (pid + start time) when they take a lock, and forgotten at the next
  // poll that finds them holding none: a pid reused later is identified afresh, never taken for
  // the dead owner. (Forgetting at once would re-read /proc on every acquire/release pair.)
  const owners = new Map<number, ProcessIdentity>();
  const grants = new Map<number, number>();
  const pollMs = options.pollMs ?? DEFAULT_OWNER_POLL_MS;
  let poller: ReturnType<typeof setInterval> | undefined;

  const running = (pid: number, operation: string): ProcessIdentity => {
    const identity = identify(pid);
    if (identity === null) {
      throw lockError('OPERATION_INVALID', `owner pid ${pid} is not running`,
        { operation, driver: options.driver });
    }
    return identity;
  };
  const know = (pid: number): void => {
    if (!owners.has(pid)) owners.set(pid, running(pid, 'acquire'));
  };
  const count = (pid: number, delta: number): void => {
    const held = (grants.get(pid) ?? 0) + delta;
    if (held > 0) grants.set(pid, held);
    else grants.delete(pid);
  };
  const gone = (pid: number): number => {
    owners.delete(pid);
    grants.delete(pid);
    return table.dropOwner(pid);
  };
  const deadAmong = (pids: readonly number[]) => {
    let released = 0;
    for (const pid of new Set(pids)) {
      const identity = owners.get(pid);
      if (identity && !isAlive(identity)) released += gone(pid);
    }
    return released;
  };
  const reap = () => deadAmong(table.owners());
  const take = (owner: number, target: LockTarget): void => {
    try {
      table.acquire(owner, target);
    } catch (error) {
      // The holders may have died since the last poll: check them before saying busy.
      if (deadAmong(table.ownersOf(target)) === 0) throw error;
      table.acquire(owner, target);
    }
  };
  const stopPolling = () => {
    if (poller !== undefined) clearInterval(poller);
    poller = undefined;
  };
  // The poll stops itself once nothing is held: stopping and restarting a timer on every
  // release/acquire pair would cost more than the pair itself.
  const tick = () => {
    reap();
    for (const pid of owners.keys()) if (!grants.has(pid)) owners.delete(pid);
    if (table.size === 0) stopPolling();
  };
  const startPolling = () => {
    if (poller !== undefined) return;
    poller = setInterval(tick, pollMs);
    poller.unref();
  };

  return {
    table,
    ownerGone: gone,
    reap,
    register(owner) {
      running(owner, 'acquire');
    },
    acquireOne(owner: number, target: LockTarget) {
      know(owner);
      try {
        take(owner, target);
      } catch (error) {
        count(owner, 0);
        throw error;
      }
      count(owner, 1);
      startPolling();
    },
    releaseOne(owner: number, target: LockTarget) {
      table.release(owner, target);
      count(owner, -1);
    },
    deinit() {
      stopPolling();
      table.clear();
      owners.clear();
      grants.clear();
    },
  };
}
