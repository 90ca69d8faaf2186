/**
 * `modelSupervisor` is the in-memory supervisor (`Supervisor`, `contract/supervisor.ts`):
 * a process table with pids and liveness and no OS process, for the model and nop drivers (the
 * real supervisor program that forks a VM stand-in lives in `drivers/kernel/supervisor/`). When a modelled process dies, the service behind a
 * service-backed driver sees its connection close, exactly as virtlockd sees EOF.
 */
import { lockError } from '../contract/errors.ts';
import type { ServiceDriver } from '../drivers/service-driver.ts';
import { supervisorArgv, type ExitKind, type Supervisor } from '../contract/supervisor.ts';

export interface ModelSupervisor extends Supervisor {
  /** Makes a modelled process die (tests, simulations): crash, clean exit or kill. */
  exit(pid: number, how: ExitKind): void;
}

export function modelSupervisor(options: { driver?: ServiceDriver; firstPid?: number } = {}):
  ModelSupervisor {
  let nextPid = options.firstPid ?? 1000;
  const alive = new Set<number>();
  const listeners = new Set<(pid: number, how: ExitKind) => void>();
  const exit = (pid: number, how: ExitKind): void => {
    if (!alive.delete(pid)) return;
    options.driver?.ownerGone(pid);
    for (const listener of [...listeners]) listener(pid, how);
  };
  return {
    argv: (params) => supervisorArgv(params),
    async start(params) {
      if (params.name === undefined) {
        throw lockError('INVALID_ARG', 'cannot start a supervised process without a name');
      }
      const pid = nextPid++;
      alive.add(pid);
      return pid;
    },
    async kill(pid) {
      exit(pid, 'kill');
    },
    onExit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    isAlive: (pid) => alive.has(pid),
    exit,
  };
}
