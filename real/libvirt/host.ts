/**
 * One simulated host of a `libvirt-lockd` real-mode world:
 *
 * - its own private virtlockd (`daemons/virtlockd.ts`, socket activation), started under the
 *   helper's parent-death wrapper so it dies with this process whatever ends it;
 * - *libvirtd*: a libvirt helper with libvirt.so.0 and lockd.so loaded (`qemu-lockd.conf` of the
 *   host's own), in a private /run where `/run/libvirt/virtlockd-sock` is the host's daemon.
 *   Every lock call is one `domain_lock.c` operation there: New, AddResource…, one call, Free;
 * - *the VM launcher*: a second helper, the parent of the host's VM stand-ins. libvirtd can
 *   restart (a fresh helper, the plugin loaded anew) while its VMs keep running, as QEMUs do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identity } from '../../contract/identity.ts';
import { isLockError } from '../../contract/errors.ts';
import { flagsOfMode, ResourceType, type LockMode } from '../../contract/flags.ts';
import { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { settle } from '../../conformance/harnesses/lockd.ts';
import { isolatedDaemon } from '../../daemons/isolated-virtlockd.ts';
import { LOCKD_RUN_SOCKET, lockdConfText } from '../../drivers/libvirt/config.ts';
import { LibvirtHelper } from '../../drivers/libvirt/helper-process.ts';
import { validateResource, type ResourceSpec } from '../../contract/resources.ts';
import type { LockCallKind, RealReply } from '../backend.ts';

/** A real path with the mode it is used in. */
export type RealDisk = readonly [path: string, mode: LockMode];

/** The URI libvirtd passes lock plugins (domain_lock.c's `uri` parameter). */
export const DOMAIN_URI = 'qemu:///system';

/** The domain parameters libvirt passes for the QEMU of real pid `pid`. */
export function domainOf(pid: number) {
  return { ...identity(pid), pid, uri: DOMAIN_URI };
}

/** A driver error (or anything thrown) as the reply real mode compares. */
export function replyOf(error: unknown): RealReply {
  if (isLockError(error)) return { ok: false, code: error.code, message: error.message };
  return { ok: false, code: 'INTERNAL_ERROR', message: String(error) };
}

export function resourcesOf(disks: readonly RealDisk[]): ResourceSpec[] {
  return disks.map(([path, mode]) => validateResource(ResourceType.DISK, path, flagsOfMode(mode)));
}

/** What every host of a run shares. */
export interface HostOptions {
  /** The run's root: each host's daemon and config directories go there. */
  readonly parentDir: string;
  /** Per request to a helper (libvirt waits for ever: a timeout means "outcome unknown"). */
  readonly timeoutMs: number;
  /** `file_lockspace_dir` for the host's qemu-lockd.conf (null: direct leases). */
  readonly lockspaceDir: string | null;
}

interface Libvirtd {
  readonly helper: LibvirtHelper;
  readonly plugin: number;
}

/** One host (see the module comment). */
export class LibvirtHost {
  private constructor(
    readonly index: number,
    readonly daemon: VirtlockdDaemon,
    private libvirtd: Libvirtd,
    /** The parent of this host's VM stand-ins, with the plugin loaded for their registration. */
    readonly launcher: Libvirtd,
    private readonly configDir: string,
    private readonly options: HostOptions,
  ) {}

  static async start(index: number, options: HostOptions): Promise<LibvirtHost> {
    const daemon = await VirtlockdDaemon.start(isolatedDaemon({
      parentDir: options.parentDir, idleTimeoutS: 120 }));
    const started: LibvirtHelper[] = [];
    try {
      const configDir = join(options.parentDir, `libvirt-h${index}`);
      mkdirSync(configDir, { recursive: true });
      writeFileSync(join(configDir, 'qemu-lockd.conf'), lockdConfText({ socket: daemon.socketPath,
        lockspaceDir: options.lockspaceDir, timeoutMs: options.timeoutMs }));
      const launcher = await LibvirtHost.libvirt(daemon, configDir, options, started);
      const libvirtd = await LibvirtHost.libvirt(daemon, configDir, options, started);
      return new LibvirtHost(index, daemon, libvirtd, launcher, configDir, options);
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

  /** Resolves once the daemon has handled everything before (an owner's EOF and kill loop). */
  async settle(): Promise<void> {
    await settle(this.daemon.socketPath);
    // The launcher reports a VM's exit before it answers anything asked after it reaped it.
    await this.launcher.helper.ping();
  }

  /** libvirtd dies and restarts while its VMs run: a fresh helper loads the plugin anew. */
  async restartLibvirtd(): Promise<void> {
    const old = this.libvirtd;
    old.helper.kill();
    await old.helper.exited;
    const started: LibvirtHelper[] = [];
    this.libvirtd = await LibvirtHost.libvirt(this.daemon, this.configDir, this.options, started);
  }

  /** Stops everything of this host; never throws. The daemon goes first (no kill loops). */
  async stop(): Promise<void> {
    this.daemon.kill('SIGKILL');
    await this.daemon.stop();
    await Promise.all([this.libvirtd.helper.close(), this.launcher.helper.close()]);
  }

  private static async libvirt(daemon: VirtlockdDaemon, configDir: string, options: HostOptions,
    started: LibvirtHelper[]): Promise<Libvirtd> {
    const helper = await LibvirtHelper.start({ links: [[LOCKD_RUN_SOCKET, daemon.socketPath]],
      timeoutMs: options.timeoutMs, cwd: options.parentDir });
    started.push(helper);
    const plugin = await helper.plugin('lockd', 'qemu', configDir);
    return { helper, plugin };
  }
}
