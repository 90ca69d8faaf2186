export { LockManagerPlugin, LockManagerHandle, assertDriver } from './plugin.ts';
export { RfcPlugin, RfcLockManager, createLockManager } from './rfc.ts';
export { modelSupervisor } from './supervisor.ts';
export type { ModelSupervisor } from './supervisor.ts';
export { supervisorArgv, SUPERVISOR_PROGRAM } from '../contract/supervisor.ts';
export type { ExitKind, Supervisor } from '../contract/supervisor.ts';
export { ManagedContext } from './context.ts';
export { MachineHost } from './host.ts';
export type { HostRecord, EffectImplementations } from './host.ts';
