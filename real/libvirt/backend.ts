/**
 * Real mode for `libvirt-lockd` and `libvirt-sanlock`: the simulator's steps against **libvirt's
 * own lock-manager code** — libvirt.so.0 and its lockd.so or sanlock.so plugin, driven by the
 * libvirt helper — and real daemons (virtlockd or sanlock), one per host. What differs between
 * the two is a {@link BackendFlavour} (`sanlock-flavour.ts` for sanlock.so).
 *
 * - The disks: ONE private directory where every spelling the simulator uses exists for real
 *   (`lockd-world.ts`), as for the other backends.
 * - A QEMU is a VM child of its host's launcher (`host.ts`): forked parked, registered in the
 *   child by lockd.so exactly as qemuProcessHook does (New(NEW_STARTED), AddResource for its
 *   disks, Acquire(REGISTER_ONLY | RESTRICT, &fd), Free), then exec'd as the stand-in keeping
 *   the leaked descriptor: its death is what releases its locks.
 * - libvirtd's lock calls are `domain_lock.c` operations in the host's libvirtd helper.
 *
 * The reference is `model`: virtlockd's semantics with libvirt's names exactly (paths as
 * written). Divergences are findings about libvirt's code or about the model
 * (`docs/libvirt.md`). Every fault class is made real; a reply the model loses in a re-exec is
 * not raced (lockd.so waits for ever on a lost reply): the call is made, then the re-exec.
 */
import { LOCKD_FAILURE, lockdModel } from '../../drivers/model/lockd-model.ts';
import type { DriverConfig, FailureSemantics } from '../../contract/driver.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { AcquireFlags, FailureAction, NewFlags, type LockMode } from '../../contract/flags.ts';
import type { HelperVm } from '../../drivers/libvirt/helper-process.ts';
import { ownLockCall } from '../../drivers/libvirt/own-call.ts';
import { lockError } from '../../contract/errors.ts';
import type { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { FAULT_NAMES, type FaultName } from '../../sim/faults/index.ts';
import type { WorldShape } from '../../sim/world/shape.ts';
import type { DiskUse } from '../../sim/world/types.ts';
import { replyOf, resourcesOf, type CallOptions, type LockCallKind, type ObservedLock,
  type RealBackend, type RealReply, type VmEnd } from '../backend.ts';
import { createLockdWorld, type LockdWorld } from '../lockd/world.ts';
import { StandInBackend } from '../stand-in-backend.ts';
import { domainOf, LibvirtHost, lockdFlavour, type HostDaemon, type HostFlavour } from './host.ts';

/** The model libvirt's own code is checked against: libvirt's names, exactly. */
export const LIBVIRT_REFERENCE = {
  name: 'model',
  model: lockdModel as LockServiceModel<unknown>,
  config: {},
} as const;

export interface LibvirtBackendOptions {
  /** Per request to a helper; above virtlockd's 3 s kill-loop stall. */
  readonly timeoutMs?: number;
  /** Where the run's private directory is made (default: the OS temp dir). */
  readonly parentDir?: string;
}

/** One plugin's side of the backend (lockd.so here, sanlock.so in `sanlock-flavour.ts`). */
export interface BackendFlavour<D extends HostDaemon> {
  readonly name: string;
  readonly reference: { readonly name: string; readonly model: LockServiceModel<unknown>;
    readonly config: DriverConfig };
  readonly failure: FailureSemantics;
  readonly faults: ReadonlySet<FaultName>;
  /** The hosts' flavour, for a world (the shared storage some plugins keep leases in). */
  host(world: LockdWorld): HostFlavour<D>;
  /** The guest's own call on the connection the plugin leaked into its VM. */
  rogue(vm: HelperVm, op: 'acquire' | 'release', path: string, mode: LockMode,
    world: LockdWorld): Promise<void>;
  /** The locks really held now; null when the plugin keeps them where they cannot be seen. */
  observe(world: LockdWorld): ObservedLock[] | null;
  /** SIGUSR1 re-exec of a host's daemon; absent where the daemon has none. */
  reexec?(daemon: D): Promise<void>;
}

/** lockd.so over virtlockd: the kernel shows its locks; virtlockd re-execs. */
const LOCKD_FLAVOUR: BackendFlavour<VirtlockdDaemon> = {
  name: 'libvirt-lockd',
  reference: LIBVIRT_REFERENCE,
  // libvirt's lockd.so over virtlockd: failures leave what virtlockd's leave.
  failure: LOCKD_FAILURE,
  faults: new Set(FAULT_NAMES),
  host: () => lockdFlavour(null),
  rogue: (vm, op, path, mode) => ownLockCall(vm, op, path, mode, null),
  observe: (world) => world.observe(),
  reexec: (daemon) => daemon.reexec(),
};

export type LibvirtRealBackend<D extends HostDaemon = VirtlockdDaemon> = RealBackend &
  Required<Pick<RealBackend, 'libvirtdRestart' | 'probeImage' | 'incidents'>> & {
    hostOf(host: number): LibvirtHost<D>;
  };

/** `libvirt-lockd` in real mode. */
export function libvirtBackend(options: LibvirtBackendOptions = {}): LibvirtRealBackend {
  return new LibvirtBackend(LOCKD_FLAVOUR, options);
}

/** A libvirt real-mode backend for any plugin flavour (`sanlock-flavour.ts`). */
export function libvirtFlavouredBackend<D extends HostDaemon>(flavour: BackendFlavour<D>,
  options: LibvirtBackendOptions = {}): LibvirtRealBackend<D> {
  return new LibvirtBackend(flavour, options);
}

class LibvirtBackend<D extends HostDaemon> extends StandInBackend<HelperVm, LibvirtHost<D>>
  implements LibvirtRealBackend<D> {
  readonly model: LockServiceModel<unknown>;
  readonly config: DriverConfig;
  readonly reference: string;
  readonly failure: FailureSemantics;
  readonly faults: ReadonlySet<FaultName>;
  readonly incidents: string[] = [];
  private readonly timeoutMs: number;

  constructor(private readonly flavour: BackendFlavour<D>,
    private readonly options: LibvirtBackendOptions) {
    super(flavour.name);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.model = flavour.reference.model;
    this.config = flavour.reference.config;
    this.reference = flavour.reference.name;
    this.failure = flavour.failure;
    this.faults = flavour.faults;
  }

  async setup(shape: WorldShape): Promise<void> {
    const world = createLockdWorld(shape.disks, this.options.parentDir);
    this.world = world;
    const hostFlavour = this.flavour.host(world);
    for (let host = 0; host < shape.hosts; host++) {
      this.hosts.push(await LibvirtHost.start(host, { parentDir: world.root,
        timeoutMs: this.timeoutMs }, hostFlavour));
    }
  }

  async launch(pid: number, host: number): Promise<void> {
    this.vms.add(pid, host, await this.host(host).launcher.helper.spawnVm());
  }

  async register(pid: number, disks: readonly DiskUse[], options?: CallOptions):
    Promise<RealReply> {
    const entry = this.vms.need(pid, 'register');
    if (options?.acrossReexec) await this.daemonReexec(entry.host);
    try {
      await entry.vm.register(this.host(entry.host).plugin, {
        newFlags: NewFlags.NEW_STARTED,
        flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT,
        action: FailureAction.DEFAULT,
        params: domainOf(entry.vm.pid),
        resources: resourcesOf(this.real(disks)),
      });
      return { ok: true, output: null };
    } catch (error) {
      return replyOf(error);
    }
  }

  async lockCall(kind: LockCallKind, host: number, pid: number, disks: readonly DiskUse[],
    _lockState: string | null, options?: CallOptions): Promise<RealReply> {
    const reply = await this.host(host).call(kind, this.vms.need(pid, kind).vm.pid,
      this.real(disks));
    if (options?.acrossReexec) await this.daemonReexec(host);
    return reply;
  }

  async end(pid: number, how: VmEnd): Promise<void> {
    const entry = await this.vms.end(pid, how);
    await this.host(entry.host).settle(entry.vm.pid);
  }

  async dropConnection(pid: number): Promise<{ readonly killed: boolean }> {
    // virtlockd releases, and kills the owner if it released anything; the kill loop ends only
    // once the process is gone (reaped: ESRCH), and the launcher reports the exit before pong.
    return this.vms.dropConnection(pid, (vm) => vm.drop(),
      (entry) => this.host(entry.host).settle(entry.vm.alive ? null : entry.vm.pid));
  }

  async rogueCall(pid: number, op: 'acquire' | 'release', disk: DiskUse): Promise<RealReply> {
    const [path, mode] = this.real([disk])[0]!;
    return this.flavour.rogue(this.vms.need(pid, 'rogueCall').vm, op, path, mode, this.world!)
      .then((): RealReply => ({ ok: true, output: null }), replyOf);
  }

  async daemonCrash(host: number): Promise<void> {
    await this.host(host).daemon.restart('SIGKILL');
  }

  async daemonReexec(host: number): Promise<void> {
    const target = this.host(host);
    const reexec = this.flavour.reexec;
    if (!reexec) {
      throw lockError('CONFIG_UNSUPPORTED', `${this.name}: the host's daemon has no re-exec`,
        { operation: 'daemonReexec', driver: this.name });
    }
    try {
      await reexec(target.daemon);
    } catch {
      // It exited instead: told below, and replaced.
    }
    if (!target.daemon.running) {
      const status = target.daemon.lastExit;
      this.incidents.push(`h${host}: virtlockd exited during a re-exec (code ` +
        `${status?.code ?? null}, signal ${status?.signal ?? null}): every lock it held is gone`);
      await target.daemon.restart();
    }
  }

  async hostCrash(host: number): Promise<void> {
    const target = this.host(host);
    target.daemon.kill('SIGKILL');
    await target.daemon.waitExit();
    await Promise.all(this.vms.onHost(host).map((entry) => entry.vm.kill('SIGKILL')));
    await target.daemon.restart();
  }

  hostOf(host: number): LibvirtHost<D> {
    return this.host(host);
  }

  async observe(): Promise<ObservedLock[] | null> {
    return this.flavour.observe(this.world!);
  }

  async teardown(): Promise<void> {
    await Promise.all(this.hosts.splice(0).map((host) => host.stop()));
    this.world?.remove();
  }
}
