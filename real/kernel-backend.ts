/**
 * Real mode for the kernel-lock drivers (`ofd`, `posix`, and `posix-naive` to show the POSIX
 * trap): a `RealBackend` over real kernel locks, real supervised processes and real files.
 *
 * - The world's disks live in one private temporary directory where every spelling the
 *   simulator uses exists for real (`kernel-world.ts`).
 * - Each host is one driver instance — the one that host's libvirtd loaded (`kernel-hosts.ts`);
 *   every lock call is libvirtd's: a fresh object for the owner's real pid, one call, free.
 * - Each QEMU is a supervisor (the lock owner) with its VM stand-in, warm from a pool
 *   (`kernel-pool.ts`, `kernel-procs.ts`).
 * - What the kernel holds is read from `/proc/locks` (`kernel-observe.ts`); what the stand-ins
 *   wrote, from the disks (`records.ts`).
 *
 * The reference is `model-kernel`: virtlockd's semantics with these drivers' names (libvirt's,
 * locked on the file itself in direct mode, alias leases in indirect mode), owners watched.
 * Fault classes are made real where they mean something
 * without a lock daemon (see `KERNEL_FAULTS`); `docs/real-mode.md` says how each one strikes.
 */
import { lockdModel } from '../drivers/model/lockd-model.ts';
import type { LockServiceModel } from '../drivers/service.ts';
import { readRecords } from '../drivers/supervisor/records.ts';
import type { FaultName } from '../sim/faults/catalog.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import type { DiskUse } from '../sim/world/types.ts';
import type { LockCallKind, ObservedLock, RealBackend, RealReply, RealWrite } from './backend.ts';
import { inProcessHost, type HostLocks, type KernelDriverName } from './kernel-hosts.ts';
import { childProcessHost } from './kernel-host-process.ts';
import { observedLocks, stableByteZeroLocks } from './kernel-observe.ts';
import { DEFAULT_POOL_SIZE, SupervisorPool } from './kernel-pool.ts';
import { ProcessTable } from './kernel-procs.ts';
import { guestOwnCall } from './kernel-rogue.ts';
import { createKernelWorld, type DiskIdentity, type KernelWorld } from './kernel-world.ts';
import { RealModeError } from './runner.ts';

export type { KernelDriverName } from './kernel-hosts.ts';

/** The simulator driver these backends are checked against, and its configuration. */
export const KERNEL_REFERENCE = 'model-kernel';
export const KERNEL_CONFIG = { alias_locks: true, inode_locks: true, watch_owners: true } as const;

const SHARED_FAULTS: readonly FaultName[] = ['process-crash', 'process-kill', 'libvirtd-restart',
  'acquire-fails', 'release-fails', 'partial-acquire', 'host-crash', 'external-resume',
  'path-alias', 'image-probe'];

/**
 * What each driver can make real. `daemon-reexec` and `connection-drop` mean nothing without a
 * lock daemon and are refused. `daemon-crash` means something only for ofd, whose "daemon" is
 * the lock table in libvirtd: it is lost and reloaded empty while the VMs run.
 */
export const KERNEL_FAULTS: Readonly<Record<KernelDriverName, ReadonlySet<FaultName>>> = {
  ofd: new Set([...SHARED_FAULTS, 'daemon-crash']),
  posix: new Set(SHARED_FAULTS),
  'posix-naive': new Set(SHARED_FAULTS),
};

export interface KernelBackendOptions {
  /** Warm supervisors kept ready (default: the cores, from 3 to 8). */
  readonly poolSize?: number;
}

interface Live {
  readonly world: KernelWorld;
  readonly pool: SupervisorPool;
  readonly hosts: HostLocks[];
  readonly procs: ProcessTable;
}

export class KernelBackend implements RealBackend {
  readonly model = lockdModel as LockServiceModel<unknown>;
  readonly config = KERNEL_CONFIG;
  readonly reference = KERNEL_REFERENCE;
  readonly faults: ReadonlySet<FaultName>;
  private live: Live | null = null;
  private lastDisks: readonly DiskIdentity[] = [];

  constructor(readonly name: KernelDriverName,
    private readonly options: KernelBackendOptions = {}) {
    this.faults = KERNEL_FAULTS[name];
  }

  async setup(shape: WorldShape): Promise<void> {
    if (this.live) throw new RealModeError(`the ${this.name} backend is already set up`);
    const world = createKernelWorld(shape.disks);
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

  async rogueCall(pid: number, op: 'acquire' | 'release', use: DiskUse): Promise<RealReply> {
    const { procs, world } = this.need();
    const proc = procs.need(pid, 'rogue call');
    return guestOwnCall({ agent: proc.agent, index: await procs.diskIndex(proc, use.disk),
      disk: use.disk, op, primitive: this.name === 'ofd' ? 'ofd' : 'posix',
      disks: world.identities });
  }

  async daemonCrash(host: number): Promise<void> {
    if (!this.faults.has('daemon-crash')) throw this.meaningless('daemon-crash');
    await this.need().hosts[host]!.restart();
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

  async observe(): Promise<ObservedLock[]> {
    const { world, procs } = this.need();
    return observedLocks(stableByteZeroLocks(world.identities), (real) => procs.modelPid(real));
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

  private loadHost(): Promise<HostLocks> {
    return this.name === 'posix-naive' ? childProcessHost() : inProcessHost(this.name);
  }

  private resources(disks: readonly DiskUse[]) {
    const { world } = this.need();
    return disks.map((use) => ({ kind: 'disk' as const, name: world.realPath(use.path),
      mode: use.mode }));
  }

  private need(): Live {
    if (!this.live) throw new RealModeError(`the ${this.name} backend is not set up`);
    return this.live;
  }

  private meaningless(fault: FaultName): RealModeError {
    return new RealModeError(`${fault} has no meaning for the ${this.name} driver: there is no ` +
      'lock daemon or owner connection, only kernel locks');
  }
}

/** The real `ofd`, `posix` or `posix-naive` backend. */
export function kernelBackend(name: KernelDriverName, options: KernelBackendOptions = {}):
  KernelBackend {
  return new KernelBackend(name, options);
}
