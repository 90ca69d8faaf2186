export { LockManagerPlugin, LockManagerHandle, assertDriver } from './plugin.ts';
export { RfcPlugin, RfcLockManager, createLockManager } from './rfc.ts';
export { modelSupervisor, supervisorArgv, SUPERVISOR_PROGRAM } from './supervisor.ts';
export type { ExitKind, ModelSupervisor, Supervisor } from './supervisor.ts';
export { ManagedContext } from './context.ts';
export { MachineHost } from './host.ts';
export type { HostRecord, EffectImplementations } from './host.ts';
