/**
 * The library: `import { createLockManager } from 'lockchart'` (the package's one entry). The two
 * API faces, the in-memory drivers to run them on, and the vocabulary a driver plugin is written
 * in (docs/plugins.md): its contract types, libvirt's flags and lockchart's `LockError`. A plugin
 * imports them from the same lockchart that loads it, so `instanceof LockError` holds.
 */
export { LockManagerPlugin, LockManagerHandle, assertDriver } from './plugin.ts';
export { RfcPlugin, RfcLockManager, createLockManager } from './rfc.ts';
export { modelSupervisor } from './supervisor.ts';
export type { ModelSupervisor } from './supervisor.ts';
export { supervisorArgv, SUPERVISOR_PROGRAM } from '../contract/supervisor.ts';
export type { ExitKind, Supervisor } from '../contract/supervisor.ts';
export { ManagedContext } from './context.ts';
export { MachineHost } from './host.ts';
export type { HostRecord, EffectImplementations } from './host.ts';

// Drivers that run in memory: virtlockd's semantics, and libvirt's default (no locking).
export { createModelDriver } from '../drivers/model/driver.ts';
export { createNopDriver } from '../drivers/nop/driver.ts';
export { createServiceDriver } from '../drivers/service-driver.ts';
export type { ServiceDriver } from '../drivers/service-driver.ts';

// The contract a driver plugin implements.
export type {
  AcquireOptions, AcquireResult, DriverConfig, FailureSemantics, LockDriver, LockObjectInit,
} from '../contract/driver.ts';
export type { FailureOutcomeSet } from '../contract/outcomes.ts';
export {
  fail, ok, type Grant, type LockServiceModel, type Owner, type ServiceReply, type ServiceRequest,
} from '../contract/service.ts';
export type { ResourceSpec } from '../contract/resources.ts';
export {
  AcquireFlags, DriverFlags, FailureAction, LOCK_MANAGER_VERSION, NewFlags, ObjectType, ParamType,
  ResourceFlags, ResourceType, checkFlags,
} from '../contract/flags.ts';
export {
  LockError, errorData, isLockError, lockError, type LockErrorCode, type LockErrorData,
} from '../contract/errors.ts';
