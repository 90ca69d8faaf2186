/**
 * The real processes behind the model's QEMU pids, for the kernel-lock backends. A model pid is
 * one supervisor (the lock owner, whose pid is the owner pid every driver call names) with its
 * VM stand-in (what QEMU is: it opens the disks and writes them). Both are taken warm from the
 * pool; the stand-in opens the VM's disks at launch and a hotplugged disk at its first write.
 *
 * Ending a process follows the supervisor's lifetime chain (`drivers/kernel/supervisor/`): SIGTERM to
 * the supervisor (it kills its stand-in and exits), SIGKILL to the supervisor (the stand-in is
 * killed after it), or SIGSEGV to the stand-in (the VM crashed; its supervisor exits after it).
 * Either way `end` resolves once both are reaped, when the kernel has dropped the supervisor's
 * POSIX locks.
 */
import { identify, waitGone, type ProcessIdentity } from '../../system/process-identity.ts';
import type { SupervisorAgent } from '../../drivers/kernel/supervisor/agent.ts';
import type { DiskUse } from '../../sim/world/types.ts';
import type { SupervisorPool } from './pool.ts';
import type { KernelWorld } from './world.ts';

export interface RealProc {
  /** The model's pid. */
  readonly pid: number;
  readonly host: number;
  /** The supervisor: the lock owner. */
  readonly agent: SupervisorAgent;
  /** The VM stand-in. */
  readonly vm: ProcessIdentity;
  /** Disk index → the stand-in's index of its open descriptor. */
  readonly opened: Map<number, number>;
}

export class RealProcessError extends Error {
  override readonly name = 'RealProcessError';
}

export class ProcessTable {
  private readonly live = new Map<number, RealProc>();
  /** Kept after death: calls and records still name dead processes. */
  private readonly realOf = new Map<number, number>();
  private readonly modelOf = new Map<number, number>();

  constructor(private readonly world: KernelWorld, private readonly pool: SupervisorPool) {}

  async launch(pid: number, host: number, disks: readonly DiskUse[]): Promise<RealProc> {
    const agent = await this.pool.take();
    const vm = agent.vmPid === null ? null : identify(agent.vmPid);
    if (vm === null) throw new RealProcessError(`supervisor ${agent.pid} has no VM stand-in`);
    const proc: RealProc = { pid, host, agent, vm, opened: new Map() };
    this.live.set(pid, proc);
    this.realOf.set(pid, agent.pid);
    this.modelOf.set(agent.pid, pid);
    for (const use of disks) await this.diskIndex(proc, use.disk);
    return proc;
  }

  get(pid: number): RealProc | undefined {
    return this.live.get(pid);
  }

  /** The live process of model pid `pid`, or a RealProcessError naming what needed it. */
  need(pid: number, what: string): RealProc {
    const proc = this.live.get(pid);
    if (!proc) throw new RealProcessError(`${what}: model pid ${pid} has no live real process`);
    return proc;
  }

  /** The real pid of any process this run started (live or dead); 0 for a pid never launched. */
  realPid(pid: number): number {
    return this.realOf.get(pid) ?? 0;
  }

  modelPid(realPid: number): number | undefined {
    return this.modelOf.get(realPid);
  }

  onHost(host: number): RealProc[] {
    return [...this.live.values()].filter((proc) => proc.host === host);
  }

  /** The stand-in's index for the disk, opening it first if it never did (hotplug). */
  async diskIndex(proc: RealProc, disk: number): Promise<number> {
    const known = proc.opened.get(disk);
    if (known !== undefined) return known;
    const answer = await proc.agent.vmCommand({ type: 'open', path: this.world.image(disk) });
    const index = Number(answer.split(' ')[2]);
    proc.opened.set(disk, index);
    return index;
  }

  /** Ends the process (see the module comment); resolves once both processes are reaped. */
  async end(pid: number, how: 'term' | 'kill' | 'crash'): Promise<RealProc | undefined> {
    const proc = this.live.get(pid);
    if (!proc) return undefined;
    this.live.delete(pid);
    const { agent } = proc;
    if (how === 'kill') await agent.kill();
    else if (how === 'term') agent.signal('supervisor', 'SIGTERM');
    else if (!agent.signal('vm', 'SIGSEGV')) agent.signal('supervisor', 'SIGSEGV');
    await exitOf(agent);
    await waitGone(proc.vm);
    return proc;
  }
}

/** How long a signalled process may take to die before it gets SIGKILL. */
const END_GRACE_MS = 5_000;

/**
 * Resolves once the supervisor has exited and been reaped. The agent's child is unref'd, so
 * waiting for its exit alone would let this process end in the middle of a run (Node exits
 * when nothing keeps it alive): a timer does, and SIGKILLs a process that ignores its signal.
 */
async function exitOf(agent: SupervisorAgent): Promise<void> {
  const overdue = setTimeout(() => void agent.kill(), END_GRACE_MS);
  try {
    await agent.exited;
  } finally {
    clearTimeout(overdue);
  }
}
