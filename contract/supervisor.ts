/**
 * The supervisor of the seed's RFC: the program libvirt execs (its argv comes from
 * `getSupervisorArgs`), which takes the locks, runs the VM and dies with it. A `Supervisor`
 * starts and kills supervised processes and reports their deaths; the RFC face drives one, the
 * in-memory one (`api/supervisor.ts`) and the real one (`drivers/kernel/supervisor/`) implement it.
 */
import type { DomainParams } from './params.ts';

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
