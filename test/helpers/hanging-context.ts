/**
 * A live manager whose driver calls and process kills never settle: the statechart only moves
 * when the test sends it the invoke results itself, so a live actor can be put in any
 * configuration a pure walk reached.
 */
import type { AnyEventObject } from 'xstate';
import { ManagedContext } from '../../api/context.ts';
import type { Supervisor } from '../../contract/supervisor.ts';
import { createNopDriver } from '../../drivers/nop/driver.ts';
import { UNDEFINED_FAILURE, type ManagerEvent, type ManagerInput } from '../../machines/manager.machine.ts';

const never = (): Promise<never> => new Promise<never>(() => {});

const stuckSupervisor: Supervisor = {
  argv: () => [],
  start: never,
  kill: never,
  onExit: () => () => {},
  isAlive: () => true,
};

export function hangingContext(input: ManagerInput): ManagedContext {
  // The failure semantics of a pure walk (the default input), not nop's own.
  return new ManagedContext({ driver: createNopDriver(), objects: never,
    input: { failure: UNDEFINED_FAILURE, ...input }, supervisor: stuckSupervisor });
}

/** Sends the events one by one, invoke results included, as the runtime itself would. */
export function replay(context: ManagedContext, path: readonly AnyEventObject[]): void {
  for (const event of path) context.deliver(event as ManagerEvent);
}
