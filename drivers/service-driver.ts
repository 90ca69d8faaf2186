/**
 * Turns a pure service model into a `LockDriver` for one host: the `nop` and `model` drivers,
 * and every canary, are this adapter around their model. It keeps the model's state in one
 * mutable cell and translates each callback into one model step, so the API faces and the
 * conformance suite exercise exactly the code the simulator and the explorer step.
 */
import { LockError, lockError, type LockErrorData } from '../contract/errors.ts';
import { AcquireFlags, checkFlags, LOCK_MANAGER_VERSION, DriverFlags } from '../contract/flags.ts';
import type {
  AcquireOptions,
  AcquireResult,
  DriverConfig,
  LockDriver,
  LockObjectInit,
} from '../contract/driver.ts';
import type { DomainParams } from '../contract/params.ts';
import type { ResourceSpec } from '../contract/resources.ts';
import type {
  LockServiceModel,
  Owner,
  OwnerGoneResult,
  ServiceReply,
  ServiceRequest,
} from '../contract/service.ts';

/** The private data of one lock manager object of a service-backed driver. */
export interface ServiceObject {
  readonly params: DomainParams;
  readonly flags: number;
  readonly resources: ResourceSpec[];
  /** Set once this object's connection was restricted (acquire with RESTRICT). */
  restricted: boolean;
}

/** A service-backed driver also exposes the environment events its service reacts to. */
export interface ServiceDriver<S = unknown> extends LockDriver<ServiceObject> {
  readonly model: LockServiceModel<S>;
  readonly host: number;
  /** The current service state (for tests and the conformance suite's observations). */
  serviceState(): S;
  /** The owner process exited: its registered connection closed. */
  ownerGone(pid: number): OwnerGoneResult<S>;
  /** A lock call sent through the owner's own registered connection (RESTRICT must deny it). */
  callFromOwner(pid: number, operation: 'acquire' | 'release', resources: readonly ResourceSpec[]):
    Promise<void>;
  daemonCrash(): void;
  daemonReexec(): void;
}

const ACQUIRE_FLAGS = AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT;

export function createServiceDriver<S>(
  model: LockServiceModel<S>,
  options: { readonly host?: number; readonly name?: string } = {},
): ServiceDriver<S> {
  const host = options.host ?? 0;
  const name = options.name ?? model.name;
  let state: S | undefined;

  const current = (operation: string): S => {
    if (state === undefined) {
      throw lockError('OPERATION_INVALID', `driver '${name}' is not initialised (call init first)`,
        { operation, driver: name });
    }
    return state;
  };
  const raise = (error: LockErrorData, operation: string): never => {
    throw new LockError({ ...error, operation, driver: name });
  };
  const settle = <V>(reply: ServiceReply<S, V>, operation: string): V => {
    state = reply.state;
    if (!reply.ok) raise(reply.error, operation);
    return (reply as { value: V }).value;
  };
  const ownerOf = (object: ServiceObject, operation: string): Owner => {
    const pid = object.params.pid;
    if (pid === undefined) {
      throw lockError('OPERATION_INVALID',
        'the object has no pid parameter, so there is no owner to act for', { operation, driver: name });
    }
    return { pid, host };
  };
  const usable = (object: ServiceObject, operation: string): void => {
    current(operation);
    if (object.restricted) {
      throw lockError('OPERATION_DENIED',
        'operation forbidden: lock manager connection has been restricted', { operation, driver: name });
    }
  };
  const request = (object: ServiceObject, operation: string, lockState: string | null = null):
    ServiceRequest => ({ owner: ownerOf(object, operation), resources: object.resources, lockState });

  return {
    name,
    version: LOCK_MANAGER_VERSION,
    flags: model.usesState ? DriverFlags.USES_STATE : 0,
    failure: model.failure,
    model,
    host,

    async init(version: number, config: DriverConfig, flags: number): Promise<void> {
      checkFlags(flags, 0, 'init');
      if (Math.floor(version / 1_000_000) !== Math.floor(LOCK_MANAGER_VERSION / 1_000_000)) {
        throw lockError('CONFIG_UNSUPPORTED',
          `lock manager ABI version ${version} is not supported by driver '${name}' ` +
          `(implements ${LOCK_MANAGER_VERSION})`, { operation: 'init', driver: name });
      }
      // libvirt may call drvInit once per hypervisor driver: keep the existing state.
      state ??= model.initial(config);
    },
    async deinit(): Promise<void> {
      state = undefined;
    },
    async create(init: LockObjectInit): Promise<ServiceObject> {
      current('create');
      return { params: init.params, flags: init.flags, resources: [], restricted: false };
    },
    async addResource(object: ServiceObject, resource: ResourceSpec): Promise<void> {
      usable(object, 'addResource');
      const problem = model.checkResource(resource);
      if (problem) raise(problem, 'addResource');
      object.resources.push(resource);
    },
    async acquire(object: ServiceObject, options: AcquireOptions): Promise<AcquireResult> {
      checkFlags(options.flags, ACQUIRE_FLAGS, 'acquire');
      usable(object, 'acquire');
      const restrict = (options.flags & AcquireFlags.RESTRICT) !== 0;
      if (options.flags & AcquireFlags.REGISTER_ONLY) {
        const owner = ownerOf(object, 'acquire');
        settle(model.register(current('acquire'), owner, { restrict }), 'acquire');
      } else {
        settle(model.acquire(current('acquire'), request(object, 'acquire', options.state)),
          'acquire');
      }
      if (restrict) object.restricted = true;
      return { fd: null };
    },
    async release(object: ServiceObject, flags: number): Promise<string | null> {
      checkFlags(flags, 0, 'release');
      usable(object, 'release');
      return settle(model.release(current('release'), request(object, 'release')), 'release');
    },
    async inquire(object: ServiceObject, flags: number): Promise<string | null> {
      checkFlags(flags, 0, 'inquire');
      usable(object, 'inquire');
      return settle(model.inquire(current('inquire'), request(object, 'inquire')), 'inquire');
    },
    async free(): Promise<void> {},

    serviceState: () => current('serviceState'),
    ownerGone(pid: number): OwnerGoneResult<S> {
      const result = model.ownerGone(current('ownerGone'), { pid, host });
      state = result.state;
      return result;
    },
    async callFromOwner(pid, operation, resources): Promise<void> {
      const reply = model.callFromOwner(current('callFromOwner'), { owner: { pid, host }, resources },
        operation);
      settle(reply, operation);
    },
    daemonCrash(): void {
      state = model.daemonCrash(current('daemonCrash'), host);
    },
    daemonReexec(): void {
      state = model.daemonReexec(current('daemonReexec'), host);
    },
  };
}
