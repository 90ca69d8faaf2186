export { managerMachine } from './manager.machine.ts';
export type { ManagerContext, ManagerEvent, ManagerInput, ManagerOutput } from './manager.machine.ts';
export { resourceMachine } from './resource.machine.ts';
export type { ResourceContext, ResourceEvent, ResourceInput } from './resource.machine.ts';
export { processMachine } from './process.machine.ts';
export type { ProcessEvent } from './process.machine.ts';
export { domainMachine } from './domain.machine.ts';
export type { DomainCall, DomainContext, DomainEvent, DomainInput, DomainNotice } from './domain.machine.ts';
export { CATALOG, catalogEntry, externalEvents, machineEvents, stateNodes, statePath } from './catalog.ts';
