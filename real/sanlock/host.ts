/**
 * One simulated host of a `sanlock` real-mode world: its own private sanlock daemon
 * (`world.ts`), libvirtd's side — the real `sanlock` driver loaded with this host's
 * `qemu-sanlock.conf` (auto disk leases in the shared lease directory, this host's host_id), whose
 * calls on behalf of a VM's pid go over short unregistered connections — and a warm pool of
 * owner processes (`drivers/sanlock/owner-main.ts`) configured for this daemon, each of which
 * registers its own connection when its VM starts.
 */
import type { DriverConfig, LockDriver } from '../../contract/driver.ts';
import { LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import { sanlockConfig } from '../../conformance/harnesses/sanlock.ts';
import type { SanlockDaemon } from '../../daemons/sanlock.ts';
import type { OwnerSpawnOptions } from '../../drivers/lockd/owner.ts';
import { createSanlockDriver } from '../../drivers/sanlock/driver.ts';
import { ESRCH, isSanlockError } from '../../drivers/sanlock/result-codes.ts';
import { parseState } from '../../drivers/sanlock/state-string.ts';
import { resourcesOf, type LockCallKind, type RealDisk, type RealReply } from '../backend.ts';
import { driverCall } from '../kernel/call.ts';
import { OwnerPool, type SpawnGate } from '../lockd/owner-pool.ts';
import { hostIdOf, IO_TIMEOUT_S, settleDaemon, startHostDaemon, waitReleased } from './world.ts';

/** What every host of a run shares. */
export interface SanlockHostOptions {
  /** The run's root: each host's daemon directory goes there. */
  readonly parentDir: string;
  readonly leaseDir: string;
  /** libvirtd's wait for an unregistered command's reply (a timeout is "outcome unknown"). */
  readonly timeoutMs: number;
  readonly poolSize: number;
  readonly gate: SpawnGate;
  readonly spawn: OwnerSpawnOptions;
  /** The driver libvirtd loads (default: the `sanlock` driver). */
  readonly createDriver?: () => LockDriver<unknown>;
}

/** One host (see the module comment). */
export class SanlockHost {
  private constructor(
    readonly index: number,
    readonly daemon: SanlockDaemon,
    private driver: LockDriver<unknown>,
    readonly pool: OwnerPool,
    private readonly config: DriverConfig,
    private readonly options: SanlockHostOptions,
  ) {}

  /** Starts the daemon and loads libvirtd's driver, which joins the lockspace (3 s). */
  static async start(index: number, options: SanlockHostOptions): Promise<SanlockHost> {
    const daemon = await startHostDaemon(index, options.parentDir);
    try {
      const config = { ...sanlockConfig({ socket: daemon.socketPath, leaseDir: options.leaseDir,
        hostId: hostIdOf(index), ioTimeoutS: IO_TIMEOUT_S }), timeout_ms: options.timeoutMs };
      const driver = await SanlockHost.libvirtd(config, options);
      const pool = new OwnerPool(config, options.spawn, options.gate, options.poolSize);
      return new SanlockHost(index, daemon, driver, pool, config, options);
    } catch (error) {
      await daemon.stop();
      throw error;
    }
  }

  /** libvirtd's call on behalf of real pid `pid`: a fresh object, one call, free. */
  call(kind: LockCallKind, pid: number, disks: readonly RealDisk[], lockState: string | null):
    Promise<RealReply> {
    return driverCall(this.driver, kind, pid, resourcesOf(disks), lockState);
  }

  /**
   * The daemon's inquire string for real pid `pid`: the leases it holds for it now (null: it
   * is not registered — never was, or its connection closed).
   */
  async held(pid: number): Promise<string | null> {
    try {
      return (await this.daemon.client.inquire(pid)).state;
    } catch (error) {
      if (isSanlockError(error) && error.sanlockCode === -ESRCH) return null;
      throw error;
    }
  }

  /**
   * Resolves once the daemon has handled the close of real pid `pid`'s registration (it died,
   * or closed it) and released on disk the leases it held before (`held`, its inquire string
   * then): what the model does at once, in one step.
   */
  async settle(pid: number, held: string | null): Promise<void> {
    await settleDaemon(this.daemon, pid);
    await waitReleased(held ? parseState(held) : [], hostIdOf(this.index));
  }

  /** libvirtd dies and restarts while its VMs run: the driver is loaded anew (EEXIST: joined). */
  async restartLibvirtd(): Promise<void> {
    await this.driver.deinit();
    this.driver = await SanlockHost.libvirtd(this.config, this.options);
  }

  /** Stops everything of this host; never throws. */
  async stop(): Promise<void> {
    await this.pool.close();
    await this.driver.deinit().catch(() => {});
    this.daemon.kill('SIGKILL');
    await this.daemon.stop();
  }

  private static async libvirtd(config: DriverConfig, options: SanlockHostOptions):
    Promise<LockDriver<unknown>> {
    const driver = options.createDriver?.() ?? createSanlockDriver() as LockDriver<unknown>;
    await driver.init(LOCK_MANAGER_VERSION, config, 0);
    return driver;
  }
}
