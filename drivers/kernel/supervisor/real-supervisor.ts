/**
 * `realSupervisor()`: the RFC's `Supervisor` over real processes, so the RFC face
 * (`api/rfc.ts`) and the kernel-lock drivers run over real pids.
 *
 * `start` execs the supervisor program (`supervisor-main.ts`, argv from the parameters via
 * `supervisorArgv`), waits until it is ready, registers it as the lock agent of its own pid (the
 * owner pid the driver is asked to lock for) and, unless told otherwise, has it run the VM
 * stand-in, paused. `kill` is SIGKILL and resolves once the process is really gone; `onExit`
 * reports every death (`kill` for SIGKILL, `crash` for another signal or a non-zero status,
 * `exit` for status 0). Every process started is also registered with `cleanup.ts`.
 */
import { spawn } from 'node:child_process';
import { lockError } from '../../../contract/errors.ts';
import type { DomainParams } from '../../../contract/params.ts';
import { supervisorArgv, type ExitKind, type Supervisor } from '../../../contract/supervisor.ts';
import { identify } from '../../../system/process-identity.ts';
import { SupervisorAgent, type ExitInfo } from './agent.ts';
import { AgentDirectory, defaultAgents } from './agents.ts';
import { supervisorCommand } from './launch.ts';
import { isEvent } from './protocol.ts';

/** The VM a started supervisor runs: the disks its stand-in writes, or null for no VM. */
export type VmPlan = { readonly disks: readonly string[]; readonly intervalMs?: number } | null;

export interface RealSupervisorOptions {
  /** Where started supervisors are registered as lock agents (default: `defaultAgents`). */
  readonly agents?: AgentDirectory;
  /** The VM to run at start (default: a VM stand-in with no disks, paused). */
  readonly vm?: (params: DomainParams) => VmPlan;
  readonly startTimeoutMs?: number;
  readonly callTimeoutMs?: number;
  /**
   * The working directory of the supervisors (and so of their stand-ins): where a core dump of
   * a crashed one would land (default: this process's).
   */
  readonly cwd?: string;
}

export interface RealSupervisor extends Supervisor {
  readonly agents: AgentDirectory;
  /** The agent of a live supervised process: step-by-step control of it and its VM. */
  process(pid: number): SupervisorAgent | undefined;
  /** Kills every process this supervisor started; resolves once all are gone. */
  killAll(): Promise<void>;
}

export function exitKind(exit: ExitInfo): ExitKind {
  if (exit.signal === 'SIGKILL') return 'kill';
  return exit.signal !== null || exit.code !== 0 ? 'crash' : 'exit';
}

export function realSupervisor(options: RealSupervisorOptions = {}): RealSupervisor {
  const agents = options.agents ?? defaultAgents;
  const mine = new Map<number, SupervisorAgent>();
  const listeners = new Set<(pid: number, how: ExitKind) => void>();
  const argv = (params: DomainParams) => {
    const runner = [...supervisorCommand().argv];
    const program = runner.pop()!;
    return [...runner, ...supervisorArgv(params, program)];
  };

  const launch = async (params: DomainParams): Promise<SupervisorAgent> => {
    const [command, ...args] = argv(params);
    const child = spawn(command!, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: supervisorCommand().env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const identity = child.pid === undefined ? null : identify(child.pid);
    if (identity === null) {
      child.kill('SIGKILL');
      throw lockError('SYSTEM_ERROR', `the supervisor could not be started (${command})`,
        { operation: 'start' });
    }
    const agent = new SupervisorAgent(child, identity, options.callTimeoutMs);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready message in time')),
        options.startTimeoutMs ?? 20_000);
      child.on('message', (message) => {
        if (isEvent(message) && message.event === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      void agent.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`it exited first (${exit.signal ?? `code ${exit.code}`})`));
      });
    });
    try {
      await ready;
    } catch (error) {
      await agent.kill();
      throw lockError('SYSTEM_ERROR', `the supervisor did not start: ${(error as Error).message}`,
        { operation: 'start' });
    }
    return agent;
  };

  return {
    agents,
    argv,
    async start(params) {
      if (params.name === undefined) {
        throw lockError('INVALID_ARG', 'cannot start a supervised process without a name');
      }
      const agent = await launch(params);
      agents.add(agent);
      mine.set(agent.pid, agent);
      void agent.exited.then((exit) => {
        mine.delete(agent.pid);
        for (const listener of [...listeners]) listener(agent.pid, exitKind(exit));
      });
      const plan = options.vm ? options.vm(params) : { disks: [] };
      if (plan !== null) {
        try {
          const timing = plan.intervalMs === undefined ? {} : { intervalMs: plan.intervalMs };
          await agent.exec(plan.disks, timing);
        } catch (error) {
          await agent.kill();
          throw error;
        }
      }
      return agent.pid;
    },
    async kill(pid) {
      await mine.get(pid)?.kill();
    },
    onExit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    isAlive: (pid) => mine.get(pid)?.alive ?? false,
    process: (pid) => mine.get(pid),
    async killAll() {
      await Promise.all([...mine.values()].map((agent) => agent.kill()));
    },
  };
}
