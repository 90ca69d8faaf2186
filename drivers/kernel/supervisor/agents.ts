/**
 * Which supervisor holds the locks of which owner pid: how the `posix` driver, asked to lock on
 * behalf of pid P, finds the process that must take the lock (P's supervisor is P). One directory
 * per host-like scope; `realSupervisor()` adds every supervisor it starts and removes it when it
 * exits. The process-wide `defaultAgents` is what both use unless told otherwise.
 */
import type { SupervisorAgent } from './agent.ts';

export class AgentDirectory {
  private readonly agents = new Map<number, SupervisorAgent>();

  add(agent: SupervisorAgent): void {
    this.agents.set(agent.pid, agent);
    void agent.exited.then(() => {
      if (this.agents.get(agent.pid) === agent) this.agents.delete(agent.pid);
    });
  }

  /** The live supervisor of owner `pid`, if any. */
  get(pid: number): SupervisorAgent | undefined {
    const agent = this.agents.get(pid);
    return agent?.alive ? agent : undefined;
  }

  all(): SupervisorAgent[] {
    return [...this.agents.values()].filter((agent) => agent.alive);
  }
}

export const defaultAgents = new AgentDirectory();
