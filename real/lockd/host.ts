/**
 * One simulated host of a lockd real-mode world: its own private virtlockd (socket activation,
 * `daemon.ts`), libvirtd's side — the real `lockd` driver, whose management connection
 * impersonates the owner pid — a warm pool of owner processes configured for this daemon, and
 * a probe connection to tell when the daemon has handled everything that happened before.
 */
import { LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import { LockdClient } from '../../drivers/lockd/client.ts';
import { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { createLockdDriver, type LockdDriver } from '../../drivers/lockd/driver.ts';
import type { OwnerSpawnOptions } from '../../drivers/lockd/owner.ts';
import { neutralOwner } from '../../drivers/lockd/owners.ts';
import { resourcesOf, type LockCallKind, type RealDisk, type RealReply } from '../backend.ts';
import { driverCall } from '../kernel/call.ts';
import { OwnerPool, type SpawnGate } from './owner-pool.ts';

/** What every host of a run shares. */
export interface HostOptions {
  /** Where the host's daemon directory is made (the run's root). */
  readonly parentDir: string;
  /** Per-call timeout of every connection (a timeout is "outcome unknown"). */
  readonly timeoutMs: number;
  readonly poolSize: number;
  readonly gate: SpawnGate;
  readonly spawn: OwnerSpawnOptions;
}

/** One host (see the module comment). */
export class LockdHost {
  private probe: LockdClient | null = null;

  private constructor(
    readonly index: number,
    readonly daemon: VirtlockdDaemon,
    private driver: LockdDriver,
    readonly pool: OwnerPool,
    private readonly options: HostOptions,
  ) {}

  static async start(index: number, options: HostOptions): Promise<LockdHost> {
    const daemon = await VirtlockdDaemon.start({ parentDir: options.parentDir,
      idleTimeoutS: 120 });
    try {
      const config = { socket: daemon.socketPath, timeout_ms: options.timeoutMs };
      const pool = new OwnerPool(config, options.spawn, options.gate, options.poolSize);
      const host = new LockdHost(index, daemon, await LockdHost.libvirtd(config), pool, options);
      return host;
    } catch (error) {
      await daemon.stop();
      throw error;
    }
  }

  /** The driver configuration an owner of this host loads. */
  get config(): { socket: string; timeout_ms: number } {
    return { socket: this.daemon.socketPath, timeout_ms: this.options.timeoutMs };
  }

  /** libvirtd's call on behalf of `pid`: a fresh driver object, one call, free. */
  call(kind: LockCallKind, pid: number, disks: readonly RealDisk[]): Promise<RealReply> {
    return driverCall(this.driver, kind, pid, resourcesOf(disks), null);
  }

  /**
   * Resolves once the daemon has handled everything that happened before this call — an
   * owner's EOF included, with its release and kill loop: virtlockd is single-threaded, and two
   * round trips on another connection cannot overtake an EOF that was already pending.
   */
  async settle(): Promise<void> {
    const owner = neutralOwner('lockchart-real-probe');
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.probe?.open) {
          this.probe = await LockdClient.connect(this.daemon.socketPath,
            { register: owner, timeoutMs: this.options.timeoutMs });
        }
        await this.probe.call({ procedure: 'REGISTER', owner, flags: 0 });
        await this.probe.call({ procedure: 'REGISTER', owner, flags: 0 });
        return;
      } catch (error) {
        await this.probe?.close();
        this.probe = null;
        if (attempt > 0) throw error;
      }
    }
  }

  /** SIGKILL, then a fresh, empty daemon on the same socket. */
  async crashDaemon(): Promise<void> {
    await this.dropProbe();
    await this.daemon.restart('SIGKILL');
  }

  /** SIGKILL with no restart yet (a host crash kills its processes next). */
  async killDaemon(): Promise<void> {
    await this.dropProbe();
    this.daemon.kill('SIGKILL');
    await this.daemon.waitExit();
  }

  /** Starts a fresh daemon if this one is not running (after killDaemon or a failed re-exec). */
  async ensureDaemon(): Promise<void> {
    if (!this.daemon.running) await this.daemon.restart();
  }

  /** libvirtd dies and restarts: its driver (and management connection) are made anew. */
  async restartLibvirtd(): Promise<void> {
    await this.driver.deinit();
    this.driver = await LockdHost.libvirtd(this.config);
  }

  /**
   * Stops everything of this host; never throws. The daemon is SIGKILLed first: a graceful stop
   * would SIGTERM every owner still holding locks and stall in its kill loop for each.
   */
  async stop(): Promise<void> {
    await this.pool.close();
    await this.dropProbe();
    await this.driver.deinit().catch(() => {});
    this.daemon.kill('SIGKILL');
    await this.daemon.stop();
  }

  async dropProbe(): Promise<void> {
    await this.probe?.close();
    this.probe = null;
  }

  private static async libvirtd(config: Record<string, unknown>): Promise<LockdDriver> {
    const driver = createLockdDriver();
    await driver.init(LOCK_MANAGER_VERSION, config, 0);
    return driver;
  }
}
