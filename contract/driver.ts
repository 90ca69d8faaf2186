/**
 * THE driver contract: lockchart's `lock_driver.h`.
 *
 * One interface, one method per callback of libvirt's `virLockDriver` table, with the same
 * flags and the same lifecycle. The API faces (`api/`) are the fat wrapper, like libvirt's
 * `lock_manager.c`: they validate arguments, flags and call order before a driver sees a call,
 * so drivers stay thin. Every method resolves with its documented value or rejects with exactly
 * one `LockError` (libvirt's `0` / `-1` + `virReportError`).
 *
 * Which process makes which call (libvirt's QEMU driver, `domain_lock.c`):
 * - libvirtd at driver start-up: `init`; at driver shutdown: `deinit`.
 * - the forked child, between fork and exec of QEMU: `create(NEW_STARTED)`, `addResource` for
 *   every disk and lease, `acquire(null, REGISTER_ONLY | RESTRICT)`, `free`. No lock is taken
 *   there: the child only registers its pid and restricts its connection.
 * - libvirtd, later, naming the QEMU pid as owner: `acquire(state, 0)` before the vCPUs run
 *   (start, resume, migration finish), `release` when they stop (pause, migration perform),
 *   `inquire` for the migration cookie, and single-resource acquire/release for hotplug.
 * Contexts are short-lived: every operation builds a fresh object, makes one call, frees it.
 *
 * The seed (the 2010 RFC) leaves failure outcomes undefined on purpose: a failed acquire may or
 * may not hold the lock, a failed release may or may not have released it. Each driver declares
 * what its failures may leave behind in {@link LockDriver.failure}; the simulator explores every
 * outcome in that set (`outcomes.ts`, `docs/driver-contract.md`).
 */
import type { FailureActionValue } from './flags.ts';
import type { FailureOutcomeSet } from './outcomes.ts';
import type { DomainParams, PluginParamTypes } from './params.ts';
import type { ResourceSpec } from './resources.ts';

export type { FailureOutcomeSet } from './outcomes.ts';

/** Driver configuration: what libvirt reads from `<hypervisor>-<driver>.conf`. */
export type DriverConfig = Readonly<Record<string, unknown>>;

/** What `drvNew` receives, after the wrapper validated it. */
export interface LockObjectInit {
  /** `ObjectType.DOMAIN`, the only object type. */
  readonly type: number;
  readonly params: DomainParams;
  /** `NewFlags`: NEW_STARTED means "freshly started, skip the registration probe". */
  readonly flags: number;
}

export interface AcquireOptions {
  /** Opaque state string from an earlier `release` or `inquire`, or null. */
  readonly state: string | null;
  /** `AcquireFlags`: REGISTER_ONLY, RESTRICT. */
  readonly flags: number;
  /** What the lock service should do to the process if it loses a lease later. */
  readonly action: FailureActionValue;
}

export interface AcquireResult {
  /**
   * A descriptor deliberately leaked into the VM process (lockd: the registered connection),
   * or null. libvirt security-labels it; lockchart only reports it.
   */
  readonly fd: number | null;
}

/**
 * A driver's declared admissible outcomes on failure: part of its contract. The sets and what
 * they admit are defined once, in `outcomes.ts`.
 */
export interface FailureSemantics {
  /** What a failed acquire may have left held. */
  readonly acquire: FailureOutcomeSet;
  /** What a failed release may have released (the rest stays held). */
  readonly release: FailureOutcomeSet;
  /** One sentence on why, for the docs and the matrix. */
  readonly rationale: string;
}

/**
 * The lock driver table (`virLockDriver`). `TObject` is the driver's private data for one lock
 * manager object (libvirt's `privateData`).
 */
export interface LockDriver<TObject = unknown> {
  /** Short name: `nop`, `model`, `ofd`, `posix`, `lockd` … */
  readonly name: string;
  /** ABI version the driver implements: `LOCK_MANAGER_VERSION` (1000000). */
  readonly version: number;
  /** `DriverFlags`: USES_STATE when release/inquire return meaningful state strings. */
  readonly flags: number;
  readonly failure: FailureSemantics;
  /**
   * Parameters specific to this driver that the RFC face's `setParameter` accepts beyond id,
   * uuid, name, pid and uri (the seed: "other parameters specific to the lock manager plugin"),
   * with their libvirt types. The driver reads them from `params.plugin`.
   */
  readonly parameters?: PluginParamTypes;

  /**
   * `drvInit`. Called by libvirtd once per hypervisor driver that loads the plugin; may be called
   * more than once. Checks the ABI version and flags and loads the configuration.
   * @param version the caller's `LOCK_MANAGER_VERSION`; a different major is refused.
   * @param config parsed driver configuration.
   * @param flags none are defined: must be 0.
   * @throws CONFIG_UNSUPPORTED when the version or configuration is inadequate (the plugin is
   *   then not used); INVALID_ARG for unknown flags or configuration keys.
   */
  init(version: number, config: DriverConfig, flags: number): Promise<void>;

  /**
   * `drvDeinit`. Called by libvirtd when the last user unloads the plugin. A rejection means
   * "do not unload me" (libvirt only warns).
   */
  deinit(): Promise<void>;

  /**
   * `drvNew`. Creates the private state of one lock manager object. Called in the forked child
   * (with NEW_STARTED) and in libvirtd for every later operation.
   * @throws INVALID_ARG for an unknown object type or bad parameters (lockd refuses id 0, a
   *   missing name or an invalid UUID); SYSTEM_ERROR/RPC when the lock service is unreachable.
   */
  create(init: LockObjectInit): Promise<TObject>;

  /**
   * `drvAddResource`. Declares one disk or lease. Only before acquisition, while the object is
   * inactive. READONLY resources may be dropped by the driver (lockd never locks them).
   * @throws INVALID_ARG for a name the driver cannot map (e.g. a LEASE with offset ≠ 0 for
   *   lockd); CONFIG_UNSUPPORTED when a required lease is missing.
   */
  addResource(object: TObject, resource: ResourceSpec): Promise<void>;

  /**
   * `drvAcquire`. With REGISTER_ONLY: register the owner pid only (in the child), take no lock.
   * With RESTRICT: no further lock call may arrive through the registering connection. With no
   * flags: take every declared resource on behalf of the owner pid (libvirtd, before `cont`).
   * Resources are taken in declaration order; see `failure.acquire` for what a failure leaves.
   * @throws RESOURCE_BUSY when a resource is held in a conflicting mode (including by the same
   *   owner, in lockd); OPERATION_INVALID when the owner is not registered; OPERATION_DENIED on
   *   a restricted connection; SYSTEM_ERROR / RPC / OPERATION_TIMEOUT for service failures.
   */
  acquire(object: TObject, options: AcquireOptions): Promise<AcquireResult>;

  /**
   * `drvRelease`. Releases every declared resource of the object (pause, unplug). May return a
   * state string for a later `acquire` (sanlock); lockd returns null.
   * @param flags none are defined: must be 0.
   * @throws RESOURCE_BUSY ("is not locked") for a resource nobody holds; INTERNAL_ERROR when the
   *   owner does not hold it; service errors as for acquire.
   */
  release(object: TObject, flags: number): Promise<string | null>;

  /**
   * `drvInquire`. Returns the current state string (null if the driver keeps none). Used on the
   * migration source to fill the cookie.
   * @param flags none are defined: must be 0.
   */
  inquire(object: TObject, flags: number): Promise<string | null>;

  /** `drvFree`. Frees the private data. Never fails; releases nothing by itself. */
  free(object: TObject): Promise<void>;
}

/** The eight callbacks every driver must provide (libvirt: "Missing '<field>' field"). */
export const DRIVER_METHODS = [
  'init',
  'deinit',
  'create',
  'addResource',
  'acquire',
  'release',
  'inquire',
  'free',
] as const satisfies readonly (keyof LockDriver)[];

/** Our method names next to libvirt's table fields and virtlockd's procedures. */
export const DRIVER_METHOD_TABLE: ReadonlyArray<{
  readonly method: (typeof DRIVER_METHODS)[number];
  readonly libvirt: string;
  readonly virtlockd: string;
}> = [
  { method: 'init', libvirt: 'drvInit', virtlockd: 'CREATE_LOCKSPACE (per configured dir)' },
  { method: 'deinit', libvirt: 'drvDeinit', virtlockd: '—' },
  { method: 'create', libvirt: 'drvNew', virtlockd: '—' },
  { method: 'addResource', libvirt: 'drvAddResource', virtlockd: '—' },
  { method: 'acquire', libvirt: 'drvAcquire', virtlockd: 'REGISTER, ACQUIRE_RESOURCE, RESTRICT' },
  { method: 'release', libvirt: 'drvRelease', virtlockd: 'REGISTER, RELEASE_RESOURCE' },
  { method: 'inquire', libvirt: 'drvInquire', virtlockd: '— (no RPC)' },
  { method: 'free', libvirt: 'drvFree', virtlockd: '—' },
];
