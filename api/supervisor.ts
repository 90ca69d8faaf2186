/**
 * The supervisor of the seed's RFC: the program libvirt execs (its argv comes from
 * `getSupervisorArgs`), which takes the locks, runs the VM and dies with it. A `Supervisor`
 * starts and kills supervised processes and reports their deaths.
 *
 * `modelSupervisor` is the in-memory one: a process table with pids and liveness and no OS
 * process, for the model and nop drivers (the real supervisor program that forks a VM stand-in
 * lives with the kernel-lock drivers). When a modelled process dies, the service behind a
 * service-backed driver sees its connection close, exactly as virtlockd sees EOF.
 */
import { lockError } from '../drivers/errors.ts';
import type { DomainParams } from '../drivers/params.ts';
import type { ServiceDriver } from '../drivers/service-driver.ts';

export type ExitKind = 'exit' | 'crash' | 'kill';

export interface Supervisor {
  /** The argv libvirt would exec; derived from the parameters, so setting them may change it. */
  argv(params: DomainParams): string[];
  /** Starts a supervised process and resolves with its pid. */
  start(params: DomainParams): Promise<number>;
  /** Kills a process with prejudice (SIGKILL). Killing a dead process is not an error. */
  kill(pid: number): Promise<void>;
  /** Registers a listener for deaths; returns a function that removes it. */
  onExit(listener: (pid: number, how: ExitKind) => void): () => void;
  /** Whether the process still runs. */
  isAlive(pid: number): boolean;
}

export const SUPERVISOR_PROGRAM = 'lockchart-supervisor';

/** The argv of the supervisor: identity first, then the VM command after `--`. */
export function supervisorArgv(params: DomainParams, program = SUPERVISOR_PROGRAM): string[] {
  const argv = [program];
  if (params.id !== undefined) argv.push('--id', String(params.id));
  if (params.uuid !== undefined) argv.push('--uuid', params.uuid);
  if (params.name !== undefined) argv.push('--name', params.name);
  if (params.uri !== undefined) argv.push('--uri', params.uri);
  return argv;
}

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
