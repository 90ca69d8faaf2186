/**
 * What the simulator's real mode needs from a real driver: a world of real files, processes and
 * lock services it can drive step by step, and observations of what really happened.
 *
 * Real mode runs the very steps of the simulator: the pure world decides what happens and what
 * the model allows; a backend makes each step happen for real (start a VM stand-in, take locks
 * through the real driver, SIGKILL a process, crash or re-exec a daemon) and reports what the
 * kernel and the daemons did. Pids in this interface are the *model's* pids: the backend keeps
 * the map to the real ones.
 */
import type { DriverConfig, FailureSemantics } from '../contract/driver.ts';
import { isLockError, type LockErrorCode } from '../contract/errors.ts';
import { flagsOfMode, ResourceType, type LockMode } from '../contract/flags.ts';
import { validateResource, type ResourceSpec } from '../contract/resources.ts';
import type { LockServiceModel } from '../contract/service.ts';
import type { FaultName } from '../sim/faults/index.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { DiskUse } from '../sim/world/types.ts';

/** The outcome of a real call, in the model's terms. */
export type RealReply =
  | { readonly ok: true; readonly output: string | null }
  | { readonly ok: false; readonly code: LockErrorCode; readonly message: string };

/** A driver error (or anything thrown) as the reply real mode compares. */
export function replyOf(error: unknown): RealReply {
  if (isLockError(error)) return { ok: false, code: error.code, message: error.message };
  return { ok: false, code: 'INTERNAL_ERROR', message: String(error) };
}

/** A real path with the mode it is used in. */
export type RealDisk = readonly [path: string, mode: LockMode];

/** The disks as the resources libvirtd adds for them. */
export function resourcesOf(disks: readonly RealDisk[]): ResourceSpec[] {
  return disks.map(([path, mode]) => validateResource(ResourceType.DISK, path, flagsOfMode(mode)));
}

/** A lock the kernel really holds on one of the world's disks. */
export interface ObservedLock {
  readonly disk: number;
  readonly mode: 'exclusive' | 'shared';
  /**
   * The model pid of the process the lock belongs to, when the kernel shows it (POSIX locks of a
   * supervisor); null when it cannot tell (a daemon holds it for someone, or an OFD lock).
   */
  readonly holder: number | null;
}

/** One record a VM stand-in wrote, in the disk's own order. */
export interface RealWrite {
  readonly disk: number;
  /** The model pid of the writer. */
  readonly pid: number;
}

export type LockCallKind = 'acquire' | 'release' | 'inquire';

/** How a VM ends (`RealBackend.end`). */
export type VmEnd = 'term' | 'kill' | 'crash';

/** The signal that ends a VM stand-in that way (a crash is an abort). */
export const END_SIGNAL: Readonly<Record<VmEnd, NodeJS.Signals>> = {
  term: 'SIGTERM', kill: 'SIGKILL', crash: 'SIGABRT',
};

/** How a call is made. */
export interface CallOptions {
  /**
   * The model chose to lose this call's reply in a re-exec of its host's lock daemon: the call
   * took effect, its answer never came. A backend with a daemon re-executes it while the reply
   * is due, so the reply may really be lost (OPERATION_TIMEOUT: outcome unknown); a backend
   * without one ignores this.
   */
  readonly acrossReexec?: boolean;
}

export interface RealBackend {
  /** The driver: `ofd`, `posix`, `lockd`. */
  readonly name: string;
  /** The pure model the real driver is compared against (its declared semantics). */
  readonly model: LockServiceModel<unknown>;
  /**
   * What the real driver declares its failures may leave behind: injected failures are drawn
   * from this set (not the model's), and its natural failures are held to it.
   */
  readonly failure: FailureSemantics;
  readonly config: DriverConfig;
  /**
   * The simulator driver (by name) that `model` with `config` is, when it is not the model's
   * own name (e.g. `model-kernel`): traces of that driver replay in real mode.
   */
  readonly reference?: string;
  /** Fault classes this backend can make real; real mode refuses the others. */
  readonly faults: ReadonlySet<FaultName>;
  /**
   * What happened for real that no step asked for (a daemon that died of a re-exec), in order.
   * Optional; real mode prints them after the findings.
   */
  readonly incidents?: readonly string[];

  /** A private temporary world: disks reachable by every spelling, a lock service per host. */
  setup(shape: WorldShape): Promise<void>;
  /** Starts the QEMU stand-in of model pid `pid` on `host`, paused, with its devices. */
  launch(pid: number, host: number, disks: readonly DiskUse[]): Promise<void>;
  /** The child's registration, from inside the process (REGISTER_ONLY | RESTRICT). */
  register(pid: number, disks: readonly DiskUse[], options?: CallOptions): Promise<RealReply>;
  /** libvirtd's call on `host` on behalf of `pid`: one fresh driver object, one call, free. */
  lockCall(kind: LockCallKind, host: number, pid: number, disks: readonly DiskUse[],
    lockState: string | null, options?: CallOptions): Promise<RealReply>;
  cont(pid: number): Promise<void>;
  stop(pid: number): Promise<void>;
  /** The stand-in writes one record to the disk. */
  write(pid: number, disk: number): Promise<void>;
  /** Ends a process and resolves once it is gone and the lock service reacted to it. */
  end(pid: number, how: VmEnd): Promise<void>;
  /** Closes the process's own lock-service connection while it lives; says whether it died. */
  dropConnection(pid: number): Promise<{ readonly killed: boolean }>;
  /** The guest sends a lock call through its own (restricted) connection. */
  rogueCall(pid: number, op: 'acquire' | 'release', disk: DiskUse): Promise<RealReply>;
  daemonCrash(host: number): Promise<void>;
  daemonReexec(host: number): Promise<void>;
  /** Everything on the host dies: its processes and its lock service. */
  hostCrash(host: number): Promise<void>;
  /**
   * libvirtd on the host dies and restarts while its VMs keep running (after the calls it had
   * in flight reached the lock service or not). Optional: only a driver whose state lives in
   * libvirtd's process is touched by it.
   */
  libvirtdRestart?(host: number): Promise<void>;
  /** libvirtd on the host opens the disk's image and closes it again (`image-probe`). Optional. */
  probeImage?(host: number, disk: number): Promise<void>;

  /** Whether the process of model pid `pid` is still alive. */
  alive(pid: number): boolean;
  /**
   * The locks really held now on the world's disks; null when the backend cannot see them (a
   * driver of unknown make keeps its locks where only it can look): locks are then judged
   * through the calls' answers alone.
   */
  observe(): Promise<ObservedLock[] | null>;
  /** Every record the stand-ins wrote so far, per disk in file order. */
  records(): Promise<RealWrite[]>;
  /** Kills and removes everything setup() and later steps made. Safe to call twice. */
  teardown(): Promise<void>;
}
