/**
 * The final libvirt face: `virLockManagerPluginNew` + the `virLockManager*` wrappers of
 * `lock_manager.c`, with libvirt's flag values. Like libvirt's wrapper it is fat: it checks the
 * driver table, flags, parameters, resource names and call order before a driver sees anything,
 * and wraps foreign exceptions. Each lock manager object is a live manager statechart.
 *
 * ```ts
 * const plugin = await LockManagerPlugin.load(createModelDriver());
 * const man = await plugin.new(ObjectType.DOMAIN, toParamList({ id: 1, uuid, name: 'vm1', pid }), 0);
 * await plugin.addResource(man, ResourceType.DISK, '/images/vm1.img', [], 0);
 * await plugin.acquire(man, null, 0, FailureAction.DEFAULT);
 * await plugin.free(man);
 * ```
 */
import { asLockError, lockError } from '../contract/errors.ts';
import type { DriverConfig, LockDriver } from '../contract/driver.ts';
import { driverTableProblem } from '../drivers/registry/check-driver.ts';
import {
  checkFlags,
  FailureAction,
  LOCK_MANAGER_VERSION,
  NewFlags,
  ObjectType,
  type FailureActionValue,
} from '../contract/flags.ts';
import { missingParams, validateParamList, type LockParam } from '../contract/params.ts';
import { validateResource, type LeaseParams } from '../contract/resources.ts';
import type { ManagerEvent } from '../machines/manager.machine.ts';
import { ManagedContext, type ManagerSnapshot } from './context.ts';
import type { HostRecord } from './host.ts';
import { rejection } from './rejection.ts';
import { validateAcquire, validateNoFlags } from './validate.ts';

/** One lock manager object (libvirt's `virLockManagerPtr`): opaque to callers. */
export class LockManagerHandle {
  /** @internal */
  constructor(readonly context: ManagedContext, readonly object: unknown) {}

  /** The manager statechart's current snapshot (for inspection and tests). */
  get snapshot(): ManagerSnapshot {
    return this.context.snapshot;
  }
}

/** Checks that a value is a complete driver table (libvirt: "Missing '<field>' field"). */
export function assertDriver(candidate: unknown, origin = 'driver'): asserts candidate is LockDriver {
  const problem = driverTableProblem(candidate);
  if (problem) throw lockError('INTERNAL_ERROR', `${origin} is not a lock driver: ${problem}`);
}

export class LockManagerPlugin {
  private loaded = true;

  private constructor(
    readonly driver: LockDriver,
    private readonly observer?: (record: HostRecord) => void,
  ) {}

  /**
   * `virLockManagerPluginNew` + `drvInit`: validates the driver table and initialises it.
   * @throws INTERNAL_ERROR for an incomplete table; whatever `drvInit` reports.
   */
  static async load(
    driver: unknown,
    options: {
      config?: DriverConfig;
      flags?: number;
      /** Sees every event every manager statechart of this plugin processed (inspection). */
      observer?: (record: HostRecord) => void;
    } = {},
  ): Promise<LockManagerPlugin> {
    assertDriver(driver);
    checkFlags(options.flags ?? 0, 0, 'virLockManagerPluginNew');
    try {
      await driver.init(LOCK_MANAGER_VERSION, options.config ?? {}, options.flags ?? 0);
    } catch (error) {
      throw asLockError(error, { operation: 'init', driver: driver.name });
    }
    return new LockManagerPlugin(driver, options.observer);
  }

  /** `drvDeinit`. */
  async deinit(): Promise<void> {
    this.alive('deinit');
    await this.driver.deinit();
    this.loaded = false;
  }

  /**
   * `virLockManagerNew`: object type DOMAIN; params uuid, name, id, pid, uri; flag NEW_STARTED.
   * @throws INVALID_ARG for another object type, unknown flags, bad or missing parameters.
   */
  async new(type: number, params: readonly LockParam[], flags: number): Promise<LockManagerHandle> {
    this.alive('new');
    checkFlags(flags, NewFlags.NEW_STARTED, 'virLockManagerNew');
    if (type !== ObjectType.DOMAIN) {
      throw lockError('INVALID_ARG', `unknown lock manager object type ${type}`, { operation: 'new' });
    }
    const validated = validateParamList(params, 'new');
    const missing = missingParams(validated);
    if (missing.length > 0) {
      throw lockError('INVALID_ARG', `missing required parameter(s): ${missing.join(', ')}`,
        { operation: 'new' });
    }
    const object = await this.driverCall('new',
      () => this.driver.create({ type, params: validated, flags }));
    const context = new ManagedContext({
      driver: this.driver,
      objects: async () => ({ object, temporary: false }),
      input: { objectType: type, params: validated },
      ...(this.observer ? { observer: this.observer } : {}),
    });
    return new LockManagerHandle(context, object);
  }

  /**
   * `virLockManagerAddResource`: DISK (a fully qualified path, no params) or LEASE (params path,
   * offset, lockspace); flags READONLY and SHARED. Only before the object is used.
   */
  async addResource(
    man: LockManagerHandle,
    type: number,
    name: string,
    params: LeaseParams | readonly LockParam[],
    flags: number,
  ): Promise<void> {
    const lease = Array.isArray(params)
      ? Object.fromEntries((params as LockParam[]).map((param) => [param.key, param.value]))
      : (params as LeaseParams);
    const resource = validateResource(type, name, flags, lease, 'addResource');
    const event: ManagerEvent = { type: 'resource.add', resource };
    this.accepts(man, event, 'addResource');
    await this.driverCall('addResource', () => this.driver.addResource(man.object, resource));
    await man.context.call(event, 'addResource');
  }

  /**
   * `virLockManagerAcquire`: state from an earlier release/inquire (or null); flags
   * REGISTER_ONLY, RESTRICT; action = what to do on a later lease loss.
   */
  async acquire(
    man: LockManagerHandle,
    state: string | null,
    flags: number,
    action: FailureActionValue | number = FailureAction.DEFAULT,
  ): Promise<{ fd: number | null }> {
    validateAcquire(state, flags, action);
    const after = await man.context.call({ type: 'acquire', lockState: state, flags, action }, 'acquire');
    return { fd: after.context.fd };
  }

  /** `virLockManagerRelease`: releases the object's resources; returns a state string or null. */
  async release(man: LockManagerHandle, flags: number): Promise<string | null> {
    validateNoFlags(flags, 'virLockManagerRelease');
    return (await man.context.call({ type: 'release', flags }, 'release')).context.lockState;
  }

  /** `virLockManagerInquire`: the current state string, or null. */
  async inquire(man: LockManagerHandle, flags: number): Promise<string | null> {
    validateNoFlags(flags, 'virLockManagerInquire');
    return (await man.context.call({ type: 'inquire', flags }, 'inquire')).context.lockState;
  }

  /** `virLockManagerFree`: frees the object (releases nothing by itself). */
  async free(man: LockManagerHandle): Promise<void> {
    await man.context.call({ type: 'free' }, 'free');
    await this.driverCall('free', () => this.driver.free(man.object));
  }

  private accepts(man: LockManagerHandle, event: ManagerEvent, operation: string): void {
    const snapshot = man.context.snapshot;
    if (snapshot.status !== 'active' || !snapshot.can(event)) {
      throw rejection('lock manager', snapshot, operation);
    }
  }

  private alive(operation: string): void {
    if (!this.loaded) {
      throw lockError('OPERATION_INVALID', `${operation}: the plugin has been deinitialised`,
        { operation });
    }
  }

  private async driverCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw asLockError(error, { operation, driver: this.driver.name });
    }
  }
}
