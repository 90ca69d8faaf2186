/**
 * The control channel between a driver's process and a supervisor (`supervisor-main.ts`), over
 * Node's IPC channel: requests with an id, one reply per request, and unsolicited events.
 *
 * The supervisor *is* the owner: posix locks are taken in its own process, so the kernel drops
 * them the instant it dies. Lock requests name the owner pid anyway and are refused when it is
 * not the supervisor's own, so a mis-routed request can never take a lock for someone else.
 */
import type { LockErrorData } from '../../../contract/errors.ts';
import type { HeldLock } from '../lock-table.ts';
import type { LockTarget } from '../lock-target.ts';

/** A command for the VM stand-in (see `stand-in.mjs`). */
export type VmCommand =
  | { readonly type: 'cont' }
  | { readonly type: 'stop' }
  /** Writes `count` records per open disk; `force` writes even while paused (in-flight I/O). */
  | { readonly type: 'write'; readonly count: number; readonly force?: boolean }
  | { readonly type: 'close'; readonly disk: number }
  | { readonly type: 'ping' }
  /** Opens one more disk (hotplug); answers `ok open <index>`. */
  | { readonly type: 'open'; readonly path: string }
  /** One record on disk `disk` only (only while running). */
  | { readonly type: 'put'; readonly disk: number }
  /** The guest's own try at an exclusive lock on byte 0 (`ok trylock got|busy`), or an unlock. */
  | { readonly type: 'trylock' | 'unlock'; readonly disk: number;
      readonly primitive: 'ofd' | 'posix' };

export type SupervisorRequest =
  | { readonly op: 'lock'; readonly owner: number; readonly target: LockTarget }
  | { readonly op: 'unlock'; readonly owner: number; readonly target: LockTarget }
  | { readonly op: 'held' }
  /** Starts the VM stand-in, paused, writing to `disks`; replies with its pid. */
  | { readonly op: 'exec'; readonly disks: readonly string[]; readonly intervalMs: number }
  | { readonly op: 'vm'; readonly command: VmCommand }
  /** Opens and closes another descriptor of `path` in the supervisor: the POSIX trap as a fault. */
  | { readonly op: 'openClose'; readonly path: string }
  | { readonly op: 'ping' };

/** What each request resolves with. */
export interface SupervisorReplies {
  lock: null;
  unlock: null;
  held: HeldLock[];
  exec: number;
  vm: string;
  openClose: null;
  ping: number;
}

export interface RequestMessage {
  readonly id: number;
  readonly request: SupervisorRequest;
}

export type ReplyMessage =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: LockErrorData };

export type SupervisorEvent =
  | { readonly event: 'ready'; readonly pid: number }
  | { readonly event: 'vm.exited'; readonly pid: number; readonly code: number | null;
      readonly signal: string | null };

export function isReply(message: unknown): message is ReplyMessage {
  return typeof message === 'object' && message !== null && 'id' in message && 'ok' in message;
}

export function isEvent(message: unknown): message is SupervisorEvent {
  return typeof message === 'object' && message !== null && 'event' in message;
}
