/**
 * What every real-mode backend whose lock owners are real supervised processes shares — the
 * kernel-lock drivers (`kernel-backend.ts`) and any other `LockDriver` (`plugin-backend.ts`):
 *
 * - one private temporary directory holds the world's disks, every spelling the simulator uses
 *   existing for real (`kernel-world.ts`);
 * - each host is the driver instance that host's libvirtd loaded (`HostLocks`); every lock call
 *   is libvirtd's: a fresh object for the owner's real pid, one call, free;
 * - each QEMU is a supervisor (the lock owner: its pid is the owner pid of every call) with its
 *   VM stand-in (it opens the disks and writes them), warm from a pool (`kernel-pool.ts`,
 *   `kernel-procs.ts`); what they wrote is read back from the disks (`records.ts`).
 *
 * A subclass says how a host is loaded, what it can observe and which faults it makes real.
 */
import type { DriverConfig, FailureSemantics } from '../contract/driver.ts';
import type { ResourceSpec } from '../contract/resources.ts';
import type { LockServiceModel } from '../contract/service.ts';
import { readRecords } from '../drivers/kernel/supervisor/records.ts';
import type { FaultName } from '../sim/faults/index.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { DiskUse } from '../sim/world/types.ts';
import type { LockCallKind, ObservedLock, RealBackend, RealReply, RealWrite } from './backend.ts';
import type { HostLocks } from './kernel/hosts.ts';
import { DEFAULT_POOL_SIZE, SupervisorPool } from './kernel/pool.ts';
import { ProcessTable } from './kernel/procs.ts';
import { createKernelWorld, type DiskIdentity, type KernelWorld } from './kernel/world.ts';
import { meaninglessFault, RealModeError } from './runner.ts';

/** The fault classes that mean something with supervised owners and no lock daemon. */
export const SUPERVISED_FAULTS: readonly FaultName[] = ['process-crash', 'process-kill',
  'libvirtd-restart', 'acquire-fails', 'release-fails', 'partial-acquire', 'host-crash',
  'external-resume', 'path-alias', 'image-probe'];

export interface SupervisedBackendOptions {
  /** Warm supervisors kept ready (default: the cores, from 3 to 8). */
  readonly poolSize?: number;
}

export interface SupervisedLive {
  readonly world: KernelWorld;
  readonly pool: SupervisorPool;
  readonly hosts: HostLocks[];
  readonly procs: ProcessTable;
}

export abstract class SupervisedBackend implements RealBackend {
  abstract readonly name: string;
  abstract readonly model: LockServiceModel<unknown>;
  abstract readonly config: DriverConfig;
  abstract readonly faults: ReadonlySet<FaultName>;
  abstract readonly failure: FailureSemantics;
  readonly reference?: string;
  protected live: SupervisedLive | null = null;
  private lastDisks: readonly DiskIdentity[] = [];

  constructor(private readonly prefix: string,
    private readonly options: SupervisedBackendOptions = {}) {}

  /** Loads the driver instance of one host's libvirtd. */
  protected abstract loadHost(): Promise<HostLocks>;
  abstract observe(): Promise<ObservedLock[] | null>;
  abstract rogueCall(pid: number, op: 'acquire' | 'release', use: DiskUse): Promise<RealReply>;
  abstract daemonCrash(host: number): Promise<void>;

  async setup(shape: WorldShape): Promise<void> {
    if (this.live) throw new RealModeError(`the ${this.name} backend is already set up`);
    const world = createKernelWorld(shape.disks, this.prefix);
    this.lastDisks = world.identities;
    const pool = new SupervisorPool(this.options.poolSize ?? DEFAULT_POOL_SIZE, world.root);
    const hosts: HostLocks[] = [];
    this.live = { world, pool, hosts, procs: new ProcessTable(world, pool) };
    pool.fill();
    try {
      for (let host = 0; host < shape.hosts; host++) hosts.push(await this.loadHost());
    } catch (error) {
      await this.teardown();
      throw error;
    }
  }

  async launch(pid: number, host: number, disks: readonly DiskUse[]): Promise<void> {
    const { procs, hosts } = this.need();
    const proc = await procs.launch(pid, host, disks);
    hosts[host]!.agents?.add(proc.agent);
  }

  async register(pid: number, disks: readonly DiskUse[]): Promise<RealReply> {
    const { procs, hosts } = this.need();
    const proc = procs.need(pid, 'register');
    return hosts[proc.host]!.call('register', proc.agent.pid, this.resources(disks), null);
  }

  async lockCall(kind: LockCallKind, host: number, pid: number, disks: readonly DiskUse[],
    lockState: string | null): Promise<RealReply> {
    const { procs, hosts } = this.need();
    return hosts[host]!.call(kind, procs.realPid(pid), this.resources(disks), lockState);
  }

  async cont(pid: number): Promise<void> {
    await this.need().procs.need(pid, 'cont').agent.cont();
  }

  async stop(pid: number): Promise<void> {
    await this.need().procs.need(pid, 'stop').agent.stop();
  }

  async write(pid: number, disk: number): Promise<void> {
    const { procs } = this.need();
    const proc = procs.need(pid, 'write');
    // A refused write (the stand-in is paused) leaves no record: the records comparison says so.
    await proc.agent.vmCommand({ type: 'put', disk: await procs.diskIndex(proc, disk) })
      .catch(() => {});
  }

  async end(pid: number, how: 'term' | 'kill' | 'crash'): Promise<void> {
    const { procs, hosts } = this.need();
    const proc = await procs.end(pid, how);
    // libvirtd hears of the death (SIGCHLD, EOF on the monitor) and tells its driver.
    if (proc) await hosts[proc.host]!.ownerGone(proc.agent.pid);
  }

  async dropConnection(): Promise<{ readonly killed: boolean }> {
    throw this.meaningless('connection-drop');
  }

  async daemonReexec(): Promise<void> {
    throw this.meaningless('daemon-reexec');
  }

  async hostCrash(host: number): Promise<void> {
    const { procs, hosts } = this.need();
    await Promise.all(procs.onHost(host).map((proc) => procs.end(proc.pid, 'kill')));
    await hosts[host]!.restart();
  }

  async libvirtdRestart(host: number): Promise<void> {
    await this.need().hosts[host]!.restart();
  }

  async probeImage(host: number, disk: number): Promise<void> {
    const { hosts, world } = this.need();
    await hosts[host]!.probe(world.image(disk));
  }

  /**
   * The disks of the last world set up, as `/proc/locks` names them — kept after teardown, so a
   * test can prove the kernel holds nothing on them any more.
   */
  get diskIdentities(): readonly DiskIdentity[] {
    return this.lastDisks;
  }

  alive(pid: number): boolean {
    return this.live?.procs.get(pid)?.agent.alive ?? false;
  }

  async records(): Promise<RealWrite[]> {
    const { world, procs } = this.need();
    const writes: RealWrite[] = [];
    for (let disk = 0; disk < world.identities.length; disk++) {
      // A writer no model pid maps to would show as its negated real pid.
      for (const record of readRecords(world.image(disk))) {
        writes.push({ disk, pid: procs.modelPid(record.owner) ?? -record.owner });
      }
    }
    return writes;
  }

  async teardown(): Promise<void> {
    const live = this.live;
    this.live = null;
    if (!live) return;
    try {
      await live.pool.close();
      await Promise.all(live.hosts.map((host) => host.close()));
    } finally {
      live.world.remove();
    }
  }

  protected resources(disks: readonly DiskUse[]): ResourceSpec[] {
    const { world } = this.need();
    return disks.map((use) => ({ kind: 'disk' as const, name: world.realPath(use.path),
      mode: use.mode }));
  }

  protected need(): SupervisedLive {
    if (!this.live) throw new RealModeError(`the ${this.name} backend is not set up`);
    return this.live;
  }

  protected meaningless(fault: FaultName): RealModeError {
    return meaninglessFault(this.name, fault,
      'there is no lock daemon or owner connection it could strike');
  }
}
