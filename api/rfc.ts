/**
 * The RFC face: the 2010 lock-manager API exactly as the seed describes it
 * (`reference/seed-rfc-lock-manager-api.txt`), the primary face of lockchart. Where C returned 0
 * or -1, these methods resolve or reject with a `LockError`.
 *
 * - `setParameter`: id, uuid and name are required; only before the process starts; setting
 *   parameters may change what `getSupervisorArgs` returns.
 * - `registerResource`: declares a resource taken at start-up (before start only).
 * - `start`: the supervised process starts and the supervisor takes the registered resources.
 * - `acquireResource` / `releaseResource`: only once the process has been started. A DISK has a
 *   fully qualified path. No flags = exclusive read-write; READONLY and SHARED relax it.
 * - `shutdown`: the process has been, or can be, stopped: release every lock.
 * - `free`: calls shutdown; a process that still runs is killed with prejudice.
 * The seed leaves a failed acquire or release undefined: the resource statechart then shows an
 * explicit unknown state.
 */
import { asLockError, lockError } from '../contract/errors.ts';
import type { DriverConfig, LockDriver } from '../contract/driver.ts';
import type { ServiceDriver } from '../drivers/service-driver.ts';
import { checkFlags, LOCK_MANAGER_VERSION, RfcObjectType } from '../contract/flags.ts';
import { missingParams, validateParam, type DomainParams, type ParamValue } from '../contract/params.ts';
import { validateResource, type ResourceSpec } from '../contract/resources.ts';
import type { ManagerEvent } from '../machines/manager.machine.ts';
import { ManagerIn } from '../machines/states.ts';
import { freshObjects } from './bind.ts';
import { ManagedContext, type ManagerSnapshot } from './context.ts';
import type { HostRecord } from './host.ts';
import { assertDriver } from './plugin.ts';
import { rejection } from './rejection.ts';
import type { Supervisor } from '../contract/supervisor.ts';
import { modelSupervisor } from './supervisor.ts';

type Inspect = (record: HostRecord) => void;

const supervisors = new WeakMap<LockDriver, Supervisor>();

/**
 * One modelled process table per driver, so every manager of one driver sees distinct pids and
 * a dead process's connection closes on the service that driver talks to.
 */
function defaultSupervisor(driver: LockDriver): Supervisor {
  let supervisor = supervisors.get(driver);
  if (!supervisor) {
    const service = 'ownerGone' in driver ? (driver as ServiceDriver) : undefined;
    supervisor = modelSupervisor(service ? { driver: service } : {});
    supervisors.set(driver, supervisor);
  }
  return supervisor;
}

/** `virLockManagerPluginLoad`: a loaded, initialised driver. */
export class RfcPlugin {
  private constructor(readonly driver: LockDriver, private readonly supervisor: Supervisor) {}

  static async load(
    driver: unknown,
    options: { config?: DriverConfig; supervisor?: Supervisor } = {},
  ): Promise<RfcPlugin> {
    assertDriver(driver);
    try {
      await driver.init(LOCK_MANAGER_VERSION, options.config ?? {}, 0);
    } catch (error) {
      throw asLockError(error, { operation: 'virLockManagerPluginLoad', driver: driver.name });
    }
    return new RfcPlugin(driver, options.supervisor ?? defaultSupervisor(driver));
  }

  /** `virLockManagerNew(driver, type, flags)`: type START_DOMAIN; no flags are supported. */
  async newManager(
    type: number = RfcObjectType.START_DOMAIN,
    flags = 0,
    options: { observer?: Inspect } = {},
  ): Promise<RfcLockManager> {
    checkFlags(flags, 0, 'virLockManagerNew');
    if (type !== RfcObjectType.START_DOMAIN) {
      throw lockError('INVALID_ARG', `unknown lock manager type ${type}`, { operation: 'new' });
    }
    return new RfcLockManager(this.driver, this.supervisor, options.observer);
  }

  /** `virLockManagerPluginUnload`. */
  async unload(): Promise<void> {
    await this.driver.deinit();
  }
}

export class RfcLockManager {
  readonly context: ManagedContext;
  private stopWatching: (() => void) | null = null;

  constructor(
    private readonly driver: LockDriver,
    private readonly supervisor: Supervisor,
    observer?: Inspect,
  ) {
    this.context = new ManagedContext({
      driver,
      objects: freshObjects(driver),
      input: { params: {} },
      supervisor,
      ...(observer ? { observer } : {}),
    });
  }

  get snapshot(): ManagerSnapshot {
    return this.context.snapshot;
  }

  get params(): DomainParams {
    return this.snapshot.context.params;
  }

  /** The supervised process's pid once started. */
  get pid(): number | undefined {
    return this.snapshot.context.supervises ? this.params.pid : undefined;
  }

  /**
   * `virLockManagerSetParameter`: only before the supervised process is started. id, uuid,
   * name and uri, and the keys the driver declares (`LockDriver.parameters`).
   */
  async setParameter(key: string, value: ParamValue): Promise<void> {
    const checked = validateParam(key, value, 'setParameter', this.driver.parameters);
    if (key === 'pid') {
      throw lockError('INVALID_ARG', "parameter 'pid' is set by start(), not by the caller",
        { operation: 'setParameter' });
    }
    await this.context.call({ type: 'parameter.set', key, value: checked }, 'setParameter');
  }

  /** `virLockManagerGetSupervisorArgs`: the argv libvirt would exec. */
  async getSupervisorArgs(): Promise<string[]> {
    this.live('getSupervisorArgs');
    return this.supervisor.argv(this.params);
  }

  /** `virLockManagerRegisterResource`: declare a resource to take at start-up. */
  async registerResource(type: number, name: string, flags: number): Promise<void> {
    const resource = validateResource(type, name, flags, {}, 'registerResource');
    await this.context.call({ type: 'resource.add', resource }, 'registerResource');
  }

  /**
   * Starts the supervised process: the supervisor registers it and takes every registered
   * resource before the VM runs. Resolves with the pid.
   */
  async start(): Promise<number> {
    const snapshot = this.snapshot;
    const missing = missingParams(snapshot.context.params);
    if (snapshot.status === 'active' && missing.length > 0) {
      throw lockError('OPERATION_INVALID',
        `start: required parameter(s) not set: ${missing.join(', ')}`, { operation: 'start' });
    }
    if (snapshot.status !== 'active' || !snapshot.can({ type: 'start' })) {
      throw rejection('lock manager', snapshot, 'start');
    }
    const pid = await this.supervisor.start(this.params);
    this.watch(pid);
    await this.context.call({ type: 'parameter.set', key: 'pid', value: pid }, 'start');
    try {
      await this.context.call({ type: 'start' }, 'start');
    } catch (error) {
      // The supervisor could not take its locks: it exits and takes the VM with it.
      await this.supervisor.kill(pid);
      throw error;
    }
    return pid;
  }

  /** `virLockManagerAcquireResource`: only once the process has been started. */
  async acquireResource(type: number, name: string, flags: number): Promise<void> {
    const resource = validateResource(type, name, flags, {}, 'acquireResource');
    await this.context.call({ type: 'resource.acquire', resource }, 'acquireResource');
  }

  /** `virLockManagerReleaseResource`: the flags must match how the resource was acquired. */
  async releaseResource(type: number, name: string, flags: number): Promise<void> {
    const resource = validateResource(type, name, flags, {}, 'releaseResource');
    this.checkHeldAs(resource);
    await this.context.call({ type: 'resource.release', name }, 'releaseResource');
  }

  /** `virLockManagerShutdown`: the process has been, or can be, stopped; release everything. */
  async shutdown(): Promise<void> {
    await this.context.call({ type: 'shutdown' }, 'shutdown');
  }

  /** `virLockManagerFree`: shutdown, then kill the process with prejudice if it still runs. */
  async free(): Promise<void> {
    try {
      await this.context.call({ type: 'free' }, 'free');
    } finally {
      if (this.snapshot.status !== 'active') this.stopWatching?.();
    }
  }

  private checkHeldAs(resource: ResourceSpec): void {
    const declared = this.snapshot.context.resources.find((r) => r.spec.name === resource.name &&
      r.belief !== 'released');
    if (declared && declared.spec.mode !== resource.mode) {
      throw lockError('INVALID_ARG', `releaseResource: '${resource.name}' was acquired ` +
        `${declared.spec.mode}, not ${resource.mode}`, { operation: 'releaseResource' });
    }
    if (!declared && this.snapshot.status === 'active' && ManagerIn.started(this.context.host.state)) {
      throw lockError('INVALID_ARG', `releaseResource: '${resource.name}' is not held by this ` +
        'manager', { operation: 'releaseResource', resource: resource.name });
    }
  }

  private watch(pid: number): void {
    this.stopWatching = this.supervisor.onExit((dead, how) => {
      if (dead !== pid) return;
      const event: ManagerEvent = { type: 'process.exited', how };
      this.context.deliver(event);
    });
  }

  private live(operation: string): void {
    if (this.snapshot.status !== 'active') throw rejection('lock manager', this.snapshot, operation);
  }
}

/** Convenience for the README: load a driver and create one RFC lock manager. */
export async function createLockManager(
  driver: LockDriver,
  options: { config?: DriverConfig; supervisor?: Supervisor } = {},
): Promise<RfcLockManager> {
  const plugin = await RfcPlugin.load(driver, options);
  return plugin.newManager();
}
