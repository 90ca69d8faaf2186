/**
 * Real mode for the `lockd` driver: the simulator's steps against real virtlockd daemons.
 *
 * - Each simulated host runs its own private virtlockd (`lockd-host.ts`); all of them lock the
 *   images of ONE private directory in which every spelling the simulator uses is reachable for
 *   real (`lockd-world.ts`). Cross-host exclusion is the kernel's: each daemon holds its locks as
 *   POSIX locks on byte 0 of the images.
 * - A QEMU is a real owner process (`drivers/lockd/owner-main.ts`, taken warm from its host's
 *   pool): it registers itself on its own connection (REGISTER_ONLY | RESTRICT, kept open),
 *   writes records to its disks on command, and its death is what releases its locks.
 * - libvirtd's lock calls go through the real `lockd` driver of that host, impersonating the
 *   owner's pid on its management connection.
 *
 * The reference model is `model-lockd`: virtlockd's semantics with the driver's names (libvirt's,
 * plus an alias lock by real path). Every fault class has a real meaning here; see
 * `docs/real-mode.md`.
 */
import { LOCKD_FAILURE, lockdModel } from '../../drivers/model/lockd-model.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import type { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import type { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { FAULT_NAMES } from '../../sim/faults/index.ts';
import type { WorldShape } from '../../sim/world/shape.ts';
import type { DiskUse } from '../../sim/world/types.ts';
import { replyOf, type CallOptions, type LockCallKind, type ObservedLock, type RealBackend,
  type RealReply, type VmEnd } from '../backend.ts';
import { StandInBackend } from '../stand-in-backend.ts';
import { LockdFaults, type LockdFaultOptions } from './faults.ts';
import { LockdHost } from './host.ts';
import { bundleOwnerProgram } from './owner-entry.ts';
import { SpawnGate } from './owner-pool.ts';
import { callAcrossReexec } from './reexec-call.ts';
import { createLockdWorld } from './world.ts';

/**
 * `model-lockd` (`sim/resolve-driver.ts`): the model the real lockd driver answers to —
 * virtlockd's semantics with the driver's names, libvirt's plus an alias lock. (Not
 * `model-kernel`, which also watches owners, as the kernel-lock drivers do and virtlockd
 * does not: an unregistered owner's death releases nothing there.)
 */
export const LOCKD_REFERENCE = {
  name: 'model-lockd',
  model: lockdModel as LockServiceModel<unknown>,
  config: { alias_locks: true },
} as const;

/** How a lockd real-mode world is set up. */
export interface LockdBackendOptions extends LockdFaultOptions {
  /** Per-call timeout: a timeout is "outcome unknown". Above virtlockd's kill-loop stall. */
  readonly timeoutMs?: number;
  /** Warm owner processes kept per host. */
  readonly poolSize?: number;
  /** Owner processes started at once (they cost ~60 ms of CPU each). */
  readonly parallelSpawns?: number;
  /** Where the run's private directory is made (default: the OS temp dir). */
  readonly parentDir?: string;
}

/** The lockd backend: every optional part of RealBackend is there, and each host's daemon. */
export type LockdRealBackend = RealBackend &
  Required<Pick<RealBackend, 'libvirtdRestart' | 'probeImage' | 'incidents'>> & {
    /** The virtlockd of `host` (tests and tools that signal it themselves). */
    daemonOf(host: number): VirtlockdDaemon;
  };

/** The lockd real backend (see the module comment). */
export function lockdBackend(options: LockdBackendOptions = {}): LockdRealBackend {
  return new LockdBackend(options);
}

class LockdBackend extends StandInBackend<OwnerProcess, LockdHost> implements LockdRealBackend {
  readonly model = LOCKD_REFERENCE.model;
  /** The lockd driver's own declaration (`drivers/lockd/driver.ts`). */
  readonly failure = LOCKD_FAILURE;
  readonly config = LOCKD_REFERENCE.config;
  readonly reference = LOCKD_REFERENCE.name;
  readonly faults = new Set(FAULT_NAMES);
  readonly incidents: string[] = [];
  private readonly timeoutMs: number;
  private readonly lockdFaults: LockdFaults;

  constructor(private readonly options: LockdBackendOptions) {
    super('lockd');
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.lockdFaults = new LockdFaults(options, this.incidents);
  }

  async setup(shape: WorldShape): Promise<void> {
    const world = createLockdWorld(shape.disks, this.options.parentDir);
    this.world = world;
    const entry = await bundleOwnerProgram(world.root);
    const gate = new SpawnGate(this.options.parallelSpawns ?? 2);
    const spawn = { cwd: world.root, ...(entry ? { entry } : {}) };
    const hostOptions = { parentDir: world.root, timeoutMs: this.timeoutMs, gate, spawn,
      poolSize: this.options.poolSize ?? 4 };
    for (let host = 0; host < shape.hosts; host++) {
      this.hosts.push(await LockdHost.start(host, hostOptions));
    }
    await Promise.all(this.hosts.map((host) => host.pool.warm()));
  }

  async launch(pid: number, host: number): Promise<void> {
    this.vms.add(pid, host, await this.host(host).pool.take());
  }

  async register(pid: number, disks: readonly DiskUse[], options?: CallOptions):
    Promise<RealReply> {
    const vm = this.vms.need(pid, 'register');
    const registering = () => vm.vm.register({ restrict: true, disks: this.real(disks) })
      .then((): RealReply => ({ ok: true, output: null }), replyOf);
    if (!options?.acrossReexec) return registering();
    // A lost registration reply is not raced: a *new* connection accepted just before SIGUSR1
    // is unregistered when the state is saved (see lockd-faults.ts). Re-exec, then register.
    await this.daemonReexec(vm.host);
    return registering();
  }

  async lockCall(kind: LockCallKind, host: number, pid: number, disks: readonly DiskUse[],
    _lockState: string | null, options?: CallOptions): Promise<RealReply> {
    const realPid = this.vms.need(pid, kind).vm.pid;
    if (!options?.acrossReexec) return this.host(host).call(kind, realPid, this.real(disks));
    const reply = await callAcrossReexec(this.host(host), kind, realPid, this.real(disks),
      this.timeoutMs);
    await this.lockdFaults.afterReexec(this.host(host));
    return reply;
  }

  async end(pid: number, how: VmEnd): Promise<void> {
    const vm = await this.vms.end(pid, how);
    await this.host(vm.host).settle();
  }

  async dropConnection(pid: number): Promise<{ readonly killed: boolean }> {
    // The daemon's kill loop ends only once the process is gone (reaped: ESRCH).
    return this.vms.dropConnection(pid, (owner) => owner.dropConnection(),
      (vm) => this.host(vm.host).settle());
  }

  async rogueCall(pid: number, op: 'acquire' | 'release', disk: DiskUse): Promise<RealReply> {
    const [path, mode] = this.real([disk])[0]!;
    return this.vms.need(pid, 'rogueCall').vm.callOwn(op, path, mode)
      .then((): RealReply => ({ ok: true, output: null }), replyOf);
  }

  async daemonCrash(host: number): Promise<void> {
    await this.host(host).crashDaemon();
  }

  async daemonReexec(host: number): Promise<void> {
    await this.lockdFaults.reexec(this.host(host));
  }

  async hostCrash(host: number): Promise<void> {
    const target = this.host(host);
    await target.killDaemon();
    await Promise.all(this.vms.onHost(host).map((vm) => vm.vm.kill('SIGKILL')));
    await target.ensureDaemon();
  }

  async observe(): Promise<ObservedLock[]> {
    return this.world!.observe();
  }

  async teardown(): Promise<void> {
    // Daemons first (no kill loop for each owner's EOF), then the owners, then the directory.
    await Promise.all(this.hosts.splice(0).map((host) => host.stop()));
    await this.vms.killAll();
    this.world?.remove();
  }
}
