/**
 * The `posix` driver: real kernel locks, classic process-owned `F_SETLK` record locks on byte 0,
 * length 1 of the disk (direct) or of its lockspace file (indirect), held **by the owner's own
 * supervisor process**.
 *
 * "Acquire on behalf of pid P" means: ask P's supervisor (P *is* the supervisor, see
 * `drivers/kernel/supervisor/`) to take the lock in its own process. That is the POSIX-correct owner:
 * the kernel drops the locks the instant P dies, however it dies, with no one having to notice;
 * and the only descriptors of the file in P are the ones its lock table opened, so no stray
 * open/close can drop them (the trap that `naive.ts` walks into). The driver's process holds no
 * lock at all. Owners without a supervisor (pids this process did not start through
 * `realSupervisor()`, or dead ones) cannot hold posix locks: OPERATION_INVALID; a release for
 * them answers as for any lock the owner does not hold (RESOURCE_BUSY "is not locked", or
 * INTERNAL_ERROR naming the holder).
 *
 * Semantics are virtlockd's; names are libvirt's plus alias leases (`lock-target.ts`).
 * Configuration:
 * `lockspace_dir` (indirect leases), `agent_timeout_ms` (default 10 000: a stopped supervisor
 * makes a call time out with OPERATION_TIMEOUT, outcome unknown).
 */
import { lockError } from '../../contract/errors.ts';
import {
  createKernelDriver,
  type KernelBackend,
  type KernelDriver,
} from '../kernel/kernel-driver.ts';
import { notHeld } from '../kernel/lock-table.ts';
import type { LockTarget } from '../kernel/lock-target.ts';
import type { SupervisorAgent } from '../kernel/supervisor/agent.ts';
import { defaultAgents, type AgentDirectory } from '../kernel/supervisor/agents.ts';
import { POSIX_FAILURE } from './failure.ts';

export { POSIX_FAILURE } from './failure.ts';

export interface PosixDriverOptions {
  /** Where owners' supervisors are found (default: the one `realSupervisor()` uses). */
  readonly agents?: AgentDirectory;
}

export function createPosixDriver(options: PosixDriverOptions = {}): KernelDriver {
  const agents = options.agents ?? defaultAgents;
  return createKernelDriver({
    name: 'posix',
    failure: POSIX_FAILURE,
    numericKeys: ['agent_timeout_ms'],
    makeBackend: (config): KernelBackend => {
      const timeoutMs = config.numbers['agent_timeout_ms'];
      const agentOf = (owner: number, operation: string): SupervisorAgent => {
        const agent = agents.get(owner);
        if (!agent) {
          throw lockError('OPERATION_INVALID', `owner pid ${owner} has no supervisor to hold its ` +
            'locks: posix locks belong to a process, so the owner must be started through ' +
            'realSupervisor()', { operation, driver: 'posix' });
        }
        return agent;
      };
      const ask = async (owner: number, op: 'lock' | 'unlock', target: LockTarget) => {
        const operation = op === 'lock' ? 'acquire' : 'release';
        await agentOf(owner, operation).call({ op, owner, target }, timeoutMs);
      };
      // An owner with no supervisor (dead, or never ours) holds nothing: releasing answers as
      // for any lock the owner does not hold, like the ofd driver and virtlockd.
      const release = async (owner: number, target: LockTarget) => {
        if (!agents.get(owner)) {
          throw notHeld(owner, target, null,
            { operation: 'release', driver: 'posix', resource: target.resource });
        }
        await ask(owner, 'unlock', target);
      };
      return {
        register: (owner) => void agentOf(owner, 'acquire'),
        acquireOne: (owner, target) => ask(owner, 'lock', target),
        releaseOne: release,
        deinit: () => {},
      };
    },
  });
}
