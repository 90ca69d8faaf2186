/**
 * Real mode for lockchart's own `sanlock` driver (libvirt's `lock_driver_sanlock.c` over the real
 * sanlock daemon): the simulator's steps against real sanlock daemons, compared step by step
 * with `model-sanlock`, the lease model as these daemons run.
 *
 * - The world: ONE private directory with the disks, every spelling the simulator uses existing
 *   for real (`../lockd/world.ts`), and the shared lease directory; one private sanlock daemon
 *   per host, host h<i> joined with host_id i+1 (`world.ts`, as for libvirt's sanlock.so).
 * - A QEMU is a real owner process (`drivers/sanlock/owner-main.ts`, warm from its host's pool)
 *   that registers ITS OWN connection with its host's daemon, as libvirt's child does before exec
 *   (REGISTER_ONLY | RESTRICT: the connection stays open, restricted, for the process's life),
 *   writes records to its disks on command, and whose death (or closed connection) is what
 *   makes the daemon release its leases.
 * - libvirtd's calls (start's and hotplug's acquire, release, inquire) go through the real
 *   `sanlock` driver of that host on behalf of the owner's pid (`host.ts`); a lock-state string
 *   the model passes to an acquire is handed over with the real leases' names (`leases.ts`).
 * - Locks are observed from the daemons: after every step each live owner's leases, as its
 *   host's daemon lists them (an inquire on its behalf), on the disks they stand for, held by
 *   that owner — so the model's grants are compared lock by lock and holder by holder, and a
 *   call that failed on its own is held to the driver's declared outcomes.
 *
 * Fault classes made real: those of `world.ts` (`SANLOCK_REAL_FAULTS`) — process-crash,
 * process-kill (the owner dies; settled once its pid is unregistered), libvirtd-restart (the
 * driver is loaded anew; the daemon and its registrations stay), acquire-fails, release-fails,
 * partial-acquire (the call made with the resources the model's outcome names), external-resume,
 * path-alias (another spelling: another lease, as libvirt names them), connection-drop (the owner
 * closes its registration), image-probe (libvirtd reads an image's header: leases live in the
 * lease files, nothing changes). Refused, as meaningless here (`world.ts` says why): the timed
 * lease faults, daemon-crash, host-crash, daemon-reexec, daemon-double-reexec and
 * supervisor-crash.
 */
import type { LockDriver } from '../../contract/driver.ts';
import type { SanlockDaemon } from '../../daemons/sanlock.ts';
import { readParams } from '../../drivers/lease/params.ts';
import { SANLOCK_FAILURE } from '../../drivers/sanlock/driver.ts';
import type { OwnerProcess } from '../../drivers/lockd/owner.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import type { WorldShape } from '../../sim/world/shape.ts';
import type { DiskUse } from '../../sim/world/types.ts';
import { replyOf, type LockCallKind, type ObservedLock, type RealBackend, type RealReply,
  type VmEnd } from '../backend.ts';
import { bundleOwnerProgram } from '../lockd/owner-entry.ts';
import { SpawnGate } from '../lockd/owner-pool.ts';
import { createLockdWorld } from '../lockd/world.ts';
import { meaninglessFault } from '../runner.ts';
import { StandInBackend } from '../stand-in-backend.ts';
import { SanlockHost } from './host.ts';
import { worldLeases, type WorldLeases } from './leases.ts';
import { leaseDirOf, SANLOCK_REAL_FAULTS, SANLOCK_REFERENCE } from './world.ts';

export interface SanlockBackendOptions {
  /** libvirtd's wait for a reply (sanlock's own waits are far shorter; a hang guard). */
  readonly timeoutMs?: number;
  /** Warm owner processes kept per host. */
  readonly poolSize?: number;
  /** Owner processes started at once (they cost ~60 ms of CPU each). */
  readonly parallelSpawns?: number;
  /** Where the run's private directory is made (default: the OS temp dir). */
  readonly parentDir?: string;
  /**
   * The driver each host's libvirtd loads (default: the `sanlock` driver). Tests plant a broken
   * variant here to show that the comparison catches it.
   */
  readonly createDriver?: () => LockDriver<unknown>;
}

/** The sanlock backend: its optional parts, and each host's daemon. */
export type SanlockRealBackend = RealBackend &
  Required<Pick<RealBackend, 'libvirtdRestart' | 'probeImage'>> & {
    /** The sanlock daemon of `host` (tests that look at it themselves). */
    daemonOf(host: number): SanlockDaemon;
  };

/** The `sanlock` real backend (see the module comment). */
export function sanlockBackend(options: SanlockBackendOptions = {}): SanlockRealBackend {
  return new SanlockBackend(options);
}

const WHY_NOT: Partial<Record<FaultName, string>> = {
  'daemon-crash': 'the model frees a dead daemon\'s leases host_dead (68 s) later on the ' +
    'virtual clock; the real daemons would take those seconds (docs/sanlock.md)',
  'host-crash': 'the model frees a dead host\'s leases host_dead (68 s) later on the virtual ' +
    'clock; the real daemons would take those seconds (docs/sanlock.md)',
  'daemon-reexec': 'sanlock has no re-exec',
};

class SanlockBackend extends StandInBackend<OwnerProcess, SanlockHost>
  implements SanlockRealBackend {
  readonly model = SANLOCK_REFERENCE.model;
  readonly config = SANLOCK_REFERENCE.config;
  readonly reference = SANLOCK_REFERENCE.name;
  /** The sanlock driver's own declaration (`drivers/sanlock/driver.ts`). */
  readonly failure = SANLOCK_FAILURE;
  readonly faults = SANLOCK_REAL_FAULTS;
  private leases: WorldLeases | null = null;

  constructor(private readonly options: SanlockBackendOptions) {
    super('sanlock');
  }

  async setup(shape: WorldShape): Promise<void> {
    const world = createLockdWorld(shape.disks, this.options.parentDir, 'lockchart-real-sanlock-');
    this.world = world;
    const leaseDir = leaseDirOf(world);
    this.leases = worldLeases(world, leaseDir, readParams(this.config).diskLeaseDir);
    const entry = await bundleOwnerProgram(world.root, 'sanlock');
    const hostOptions = {
      parentDir: world.root, leaseDir, timeoutMs: this.options.timeoutMs ?? 30_000,
      poolSize: this.options.poolSize ?? 3, gate: new SpawnGate(this.options.parallelSpawns ?? 2),
      spawn: { cwd: world.root, ...(entry ? { entry } : {}) },
      ...(this.options.createDriver ? { createDriver: this.options.createDriver } : {}),
    };
    // The hosts join the one lockspace at once (3 s each); the first formats it, atomically.
    const started = await Promise.allSettled([...Array(shape.hosts).keys()]
      .map((host) => SanlockHost.start(host, hostOptions)));
    for (const result of started) if (result.status === 'fulfilled') this.hosts.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await Promise.all(this.hosts.map((host) => host.pool.warm()));
  }

  async launch(pid: number, host: number): Promise<void> {
    this.vms.add(pid, host, await this.host(host).pool.take());
  }

  async register(pid: number, disks: readonly DiskUse[]): Promise<RealReply> {
    // Inside the owner, with its own pid: a registered connection of its own, restricted.
    return this.vms.need(pid, 'register').vm.register({ restrict: true, disks: this.real(disks) })
      .then((): RealReply => ({ ok: true, output: null }), replyOf);
  }

  async lockCall(kind: LockCallKind, host: number, pid: number, disks: readonly DiskUse[],
    lockState: string | null): Promise<RealReply> {
    return this.host(host).call(kind, this.vms.need(pid, kind).vm.pid, this.real(disks),
      kind === 'acquire' ? this.leases!.realState(lockState) : null);
  }

  async end(pid: number, how: VmEnd): Promise<void> {
    const { host, vm } = this.vms.need(pid, 'end');
    const held = await this.host(host).held(vm.pid);
    await this.vms.end(pid, how);
    await this.host(host).settle(vm.pid, held);
  }

  async dropConnection(pid: number): Promise<{ readonly killed: boolean }> {
    const { host, vm } = this.vms.need(pid, 'dropConnection');
    const held = await this.host(host).held(vm.pid);
    return this.vms.dropConnection(pid, (owner) => owner.dropConnection(), async () => {
      await this.host(host).settle(vm.pid, held);
      // Whatever the daemon did to the process it did before it dropped the registration:
      // a killed one is reaped before it could answer, a live one answers (it has nothing
      // left to close).
      await Promise.race([vm.exited, vm.dropConnection().catch(() => false)]);
    });
  }

  async rogueCall(pid: number, op: 'acquire' | 'release', disk: DiskUse): Promise<RealReply> {
    const [path, mode] = this.real([disk])[0]!;
    // Refused by the owner's driver itself: sanlock would never answer on the restricted
    // connection (and may wedge on it, docs/sanlock.md).
    return this.vms.need(pid, 'rogueCall').vm.callOwn(op, path, mode)
      .then((): RealReply => ({ ok: true, output: null }), replyOf);
  }

  async daemonCrash(): Promise<void> {
    throw meaninglessFault(this.name, 'daemon-crash', WHY_NOT['daemon-crash']!);
  }

  async daemonReexec(): Promise<void> {
    throw meaninglessFault(this.name, 'daemon-reexec', WHY_NOT['daemon-reexec']!);
  }

  async hostCrash(): Promise<void> {
    throw meaninglessFault(this.name, 'host-crash', WHY_NOT['host-crash']!);
  }

  async observe(): Promise<ObservedLock[]> {
    const held = await Promise.all(this.vms.live().map(async (entry) =>
      this.leases!.observed(await this.host(entry.host).held(entry.vm.pid), entry.pid)));
    return held.flat().sort((a, b) => a.disk - b.disk || a.mode.localeCompare(b.mode));
  }

  async teardown(): Promise<void> {
    // The daemons first (each takes its registrations with it), then the owners, the directory.
    await Promise.all(this.hosts.splice(0).map((host) => host.stop()));
    await this.vms.killAll();
    this.world?.remove();
    this.world = null;
  }
}
