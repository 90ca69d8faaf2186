/**
 * A live manager whose driver calls and process kills never settle: the statechart only moves
 * when the test sends it the invoke results itself, so a live actor can be put in any
 * configuration a pure walk reached.
 */
import type { AnyEventObject } from 'xstate';
import { ManagedContext } from '../../api/context.ts';
import type { Supervisor } from '../../api/supervisor.ts';
import { createNopDriver } from '../../drivers/nop/driver.ts';
import type { ManagerEvent, ManagerInput } from '../../machines/manager.machine.ts';

const never = (): Promise<never> => new Promise<never>(() => {});

const stuckSupervisor: Supervisor = {
  argv: () => [],
  start: never,
  kill: never,
  onExit: () => () => {},
  isAlive: () => true,
};

export function hangingContext(input: ManagerInput): ManagedContext {
  return new ManagedContext({ driver: createNopDriver(), objects: never, input,
    supervisor: stuckSupervisor });
}

/** Sends the events one by one, invoke results included, as the runtime itself would. */
export function replay(context: ManagedContext, path: readonly AnyEventObject[]): void {
  for (const event of path) context.deliver(event as ManagerEvent);
}
