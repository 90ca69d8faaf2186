/**
 * A warm pool of supervised processes for real mode: each a supervisor with its VM stand-in
 * already running, paused, with no disk open yet. Starting one costs ~100–300 ms (two Node
 * processes); a launch takes a ready one at once and opens its disks through the stand-in, and
 * the pool starts a replacement in the background. Without it real mode would spend most of its
 * time waiting for processes to start.
 *
 * Every process is started through `realSupervisor()`, so `cleanup.ts` kills it if the run dies,
 * and `close()` kills those still idle or starting. Processes handed out belong to the caller.
 */
import { availableParallelism } from 'node:os';
import { identity } from '../../contract/identity.ts';
import type { SupervisorAgent } from '../../drivers/kernel/supervisor/agent.ts';
import { AgentDirectory } from '../../drivers/kernel/supervisor/agents.ts';
import { realSupervisor, type RealSupervisor } from '../../drivers/kernel/supervisor/real-supervisor.ts';

/** Enough to hide start latency where there are cores to start processes on; bounded in memory. */
export const DEFAULT_POOL_SIZE = Math.min(8, Math.max(3, availableParallelism()));

export class SupervisorPool {
  private readonly supervisor: RealSupervisor;
  private readonly ready: SupervisorAgent[] = [];
  private readonly takers: Array<{ resolve(agent: SupervisorAgent): void;
    reject(error: unknown): void }> = [];
  private readonly starting = new Set<Promise<void>>();
  private serial = 0;
  private closed = false;

  /**
   * `cwd`: the processes' working directory. Real mode gives the world's private directory, so
   * that a crash it injects (SIGSEGV) leaves any core dump where teardown removes it.
   */
  constructor(private readonly size = DEFAULT_POOL_SIZE, cwd?: string) {
    // A directory of its own: nothing resolves a pooled process as a lock owner by accident.
    this.supervisor = realSupervisor({ agents: new AgentDirectory(), vm: () => ({ disks: [] }),
      ...(cwd === undefined ? {} : { cwd }) });
  }

  /** Starts processes until `size` are ready or on their way. */
  fill(): void {
    const coming = () => this.ready.length + this.starting.size - this.takers.length;
    while (!this.closed && coming() < this.size) this.startOne();
  }

  /** A ready process (waits for one only when the pool ran dry). */
  take(): Promise<SupervisorAgent> {
    if (this.closed) return Promise.reject(new Error('the supervisor pool is closed'));
    const agent = this.ready.shift();
    const taken = agent ? Promise.resolve(agent)
      : new Promise<SupervisorAgent>((resolve, reject) => this.takers.push({ resolve, reject }));
    this.fill();
    return taken;
  }

  /** Kills every process this pool started (idle, starting, or handed out) and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker.reject(new Error('the pool closed'));
    await Promise.allSettled([...this.starting]);
    this.ready.length = 0;
    await this.supervisor.killAll();
  }

  private startOne(): void {
    const started = this.supervisor.start(identity(++this.serial)).then(
      (pid) => this.deliver(this.supervisor.process(pid)!),
      (error: unknown) => this.takers.shift()?.reject(error),
    ).finally(() => this.starting.delete(started));
    this.starting.add(started);
  }

  private deliver(agent: SupervisorAgent): void {
    if (this.closed) {
      void agent.kill();
      return;
    }
    const taker = this.takers.shift();
    if (taker) taker.resolve(agent);
    else this.ready.push(agent);
  }
}
