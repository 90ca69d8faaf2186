/**
 * One simulated host of a libvirt real-mode world (`libvirt-lockd`, `libvirt-sanlock`):
 *
 * - its own private lock daemon, which dies with this process whatever ends it: a virtlockd
 *   (`daemons/virtlockd.ts`, socket activation, under the helper's parent-death wrapper) or a
 *   sanlock daemon (`daemons/sanlock.ts`, under `setpriv --pdeathsig`);
 * - *libvirtd*: a libvirt helper with libvirt.so.0 and the plugin loaded (`qemu-<plugin>.conf`
 *   of the host's own), in a private /run, reaching the host's daemon (lockd.so: the socket linked
 *   at `/run/libvirt/virtlockd-sock`; sanlock.so: SANLOCK_RUN_DIR). Every lock call is one
 *   `domain_lock.c` operation there: New, AddResource…, one call, Free;
 * - *the VM launcher*: a second helper, the parent of the host's VM stand-ins. libvirtd can
 *   restart (a fresh helper, the plugin loaded anew) while its VMs keep running, as QEMUs do.
 *
 * What differs between the plugins is a {@link HostFlavour}: the daemon, the .conf, how the
 * helper reaches the daemon, and how to wait until the daemon has handled a VM's death.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identity } from '../../contract/identity.ts';
import { isLockError } from '../../contract/errors.ts';
import { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { settle } from '../../conformance/harnesses/lockd.ts';
import { isolatedDaemon } from '../../daemons/isolated-virtlockd.ts';
import { LOCKD_RUN_SOCKET, lockdConfText } from '../../drivers/libvirt/config.ts';
import { LibvirtHelper, type HelperOptions } from '../../drivers/libvirt/helper-process.ts';
import type { ExitStatus } from '../../system/process-state.ts';
import { replyOf, resourcesOf, type LockCallKind, type RealDisk, type RealReply }
  from '../backend.ts';

/** The URI libvirtd passes lock plugins (domain_lock.c's `uri` parameter). */
export const DOMAIN_URI = 'qemu:///system';

/** The domain parameters libvirt passes for the QEMU of real pid `pid`. */
export function domainOf(pid: number) {
  return { ...identity(pid), pid, uri: DOMAIN_URI };
}

/** What every host of a run shares. */
export interface HostOptions {
  /** The run's root: each host's daemon and config directories go there. */
  readonly parentDir: string;
  /** Per request to a helper (libvirt waits for ever: a timeout means "outcome unknown"). */
  readonly timeoutMs: number;
}

/** What real mode does to a host's lock daemon (virtlockd and sanlock both have it). */
export interface HostDaemon {
  readonly running: boolean;
  readonly lastExit: ExitStatus | null;
  kill(signal?: NodeJS.Signals): void;
  waitExit(timeoutMs?: number): Promise<ExitStatus>;
  restart(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** One plugin's side of a host (see the module comment). */
export interface HostFlavour<D extends HostDaemon> {
  readonly plugin: 'lockd' | 'sanlock';
  startDaemon(index: number, options: HostOptions): Promise<D>;
  /** The host's `qemu-<plugin>.conf`. */
  confText(daemon: D, index: number): string;
  /** How a helper of this host reaches its daemon. */
  helper(daemon: D): Pick<HelperOptions, 'links' | 'env'>;
  /** Resolves once the daemon has handled everything before (a dead VM `pid`'s close). */
  settle(daemon: D, pid: number | null): Promise<void>;
}

/** lockd.so over a private virtlockd; `lockspaceDir` for indirect leases (null: direct). */
export function lockdFlavour(lockspaceDir: string | null): HostFlavour<VirtlockdDaemon> {
  return {
    plugin: 'lockd',
    startDaemon: (_index, options) => VirtlockdDaemon.start(isolatedDaemon({
      parentDir: options.parentDir, idleTimeoutS: 120 })),
    confText: (daemon) => lockdConfText({ socket: daemon.socketPath, lockspaceDir,
      timeoutMs: 0 }),
    helper: (daemon) => ({ links: [[LOCKD_RUN_SOCKET, daemon.socketPath]] }),
    settle: (daemon) => settle(daemon.socketPath),
  };
}

interface Libvirtd {
  readonly helper: LibvirtHelper;
  readonly plugin: number;
}

/** One host (see the module comment). */
export class LibvirtHost<D extends HostDaemon = HostDaemon> {
  private constructor(
    readonly index: number,
    readonly daemon: D,
    private libvirtd: Libvirtd,
    /** The parent of this host's VM stand-ins, with the plugin loaded for their registration. */
    readonly launcher: Libvirtd,
    private readonly configDir: string,
    private readonly options: HostOptions,
    private readonly flavour: HostFlavour<D>,
  ) {}

  static async start<D extends HostDaemon>(index: number, options: HostOptions,
    flavour: HostFlavour<D>): Promise<LibvirtHost<D>> {
    const daemon = await flavour.startDaemon(index, options);
    const started: LibvirtHelper[] = [];
    try {
      const configDir = join(options.parentDir, `libvirt-h${index}`);
      mkdirSync(configDir, { recursive: true });
      writeFileSync(join(configDir, `qemu-${flavour.plugin}.conf`), flavour.confText(daemon, index));
      const start = () => LibvirtHost.libvirt(daemon, configDir, options, flavour, started);
      const launcher = await start();
      const libvirtd = await start();
      return new LibvirtHost(index, daemon, libvirtd, launcher, configDir, options, flavour);
    } catch (error) {
      await Promise.all(started.map((helper) => helper.close()));
      await daemon.stop();
      throw error;
    }
  }

  /** The plugin's handle in the launcher (for a VM's registration in its child). */
  get plugin(): number {
    return this.launcher.plugin;
  }

  /** libvirtd's call on behalf of real pid `pid`: New, AddResource…, one call, Free. */
  async call(kind: LockCallKind, pid: number, disks: readonly RealDisk[]): Promise<RealReply> {
    try {
      const output = await this.libvirtd.helper.domain({ plugin: this.libvirtd.plugin, call: kind,
        params: domainOf(pid), resources: resourcesOf(disks) });
      return { ok: true, output };
    } catch (error) {
      if (isLockError(error) && error.code === 'OPERATION_TIMEOUT') {
        // libvirt waits for ever: the helper is stuck in the call. libvirtd "restarts".
        await this.restartLibvirtd();
      }
      return replyOf(error);
    }
  }

  /**
   * Resolves once the daemon has handled everything before (an owner's EOF and kill loop; with
   * `pid`, that dead VM's close).
   */
  async settle(pid: number | null = null): Promise<void> {
    await this.flavour.settle(this.daemon, pid);
    // The launcher reports a VM's exit before it answers anything asked after it reaped it.
    await this.launcher.helper.ping();
  }

  /** libvirtd dies and restarts while its VMs run: a fresh helper loads the plugin anew. */
  async restartLibvirtd(): Promise<void> {
    const old = this.libvirtd;
    old.helper.kill();
    await old.helper.exited;
    this.libvirtd = await LibvirtHost.libvirt(this.daemon, this.configDir, this.options,
      this.flavour, []);
  }

  /** Stops everything of this host; never throws. The daemon goes first (no kill loops). */
  async stop(): Promise<void> {
    this.daemon.kill('SIGKILL');
    await this.daemon.stop();
    await Promise.all([this.libvirtd.helper.close(), this.launcher.helper.close()]);
  }

  private static async libvirt<D extends HostDaemon>(daemon: D, configDir: string,
    options: HostOptions, flavour: HostFlavour<D>, started: LibvirtHelper[]): Promise<Libvirtd> {
    const helper = await LibvirtHelper.start({ ...flavour.helper(daemon),
      timeoutMs: options.timeoutMs, cwd: options.parentDir });
    started.push(helper);
    const plugin = await helper.plugin(flavour.plugin, 'qemu', configDir);
    return { helper, plugin };
  }
}
