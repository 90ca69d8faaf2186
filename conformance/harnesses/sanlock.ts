/**
 * The conformance harness for the sanlock driver against a live daemon: real temp disks, real
 * owner processes that register themselves (`owner-main.ts`, driven by lockd's `OwnerProcess`),
 * the real daemon deciding, with libvirt's automatic disk leases in a lease directory.
 *
 * An owner's `exit` kills it (SIGKILL, a crash), waits until it is reaped and then until the
 * daemon has noticed (its pid is no longer registered). The daemon then releases its leases
 * asynchronously; an acquire that meets one still being released gets -EAGAIN, which the client
 * retries.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConformanceHarness, HarnessFactory, OwnerHandle } from '../harness.ts';
import { lockError } from '../../contract/errors.ts';
import { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { SanlockClient } from '../../drivers/sanlock/client.ts';
import { createSanlockDriver } from '../../drivers/sanlock/driver.ts';
import { diskLeaseName, inLeaseDir } from '../../drivers/sanlock/naming.ts';
import { emptyDiskImage } from './disk-image.ts';

/** The sanlock owner program's entry (for `OwnerProcess.spawn`). */
export const SANLOCK_OWNER_ENTRY = new URL('../../drivers/sanlock/owner-process.mjs', import.meta.url).pathname;

/** Which live daemon ("host"), and how, the harness checks. */
export interface SanlockHarnessOptions {
  /** The daemon's socket. */
  readonly socket: string;
  /** `disk_lease_dir`: the lockspace and the per-disk lease files. */
  readonly leaseDir: string;
  readonly hostId: number;
  /** io_timeout stored when the lockspace is formatted (1: joins take 3 s). */
  readonly ioTimeoutS?: number;
  /** Where the per-check disk dirs are made (default: the OS temp dir). */
  readonly diskParent?: string;
}

/** The driver configuration for these options: libvirt's auto disk leases. */
export function sanlockConfig(options: SanlockHarnessOptions): Record<string, unknown> {
  return { socket: options.socket, auto_disk_leases: 1, disk_lease_dir: options.leaseDir,
    host_id: options.hostId, io_timeout: options.ioTimeoutS ?? 1 };
}

/**
 * Waits until the daemon no longer has `pid` registered (it noticed the connection close).
 * @throws OPERATION_TIMEOUT after `timeoutMs`.
 */
export async function waitUnregistered(client: SanlockClient, pid: number,
  timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await client.isRegistered(pid)) {
    if (Date.now() > deadline) {
      throw lockError('OPERATION_TIMEOUT', `pid ${pid} is still registered with sanlock after ` +
        `${timeoutMs} ms`);
    }
    await sleep(5);
  }
}

/** Spawns a sanlock owner process (the stand-in for QEMU) with this driver configuration. */
export function spawnSanlockOwner(config: Record<string, unknown>): Promise<OwnerProcess> {
  return OwnerProcess.spawn(config, 15_000, { entry: SANLOCK_OWNER_ENTRY });
}

function handleFor(owner: OwnerProcess, client: SanlockClient): OwnerHandle {
  return {
    pid: owner.pid,
    async register({ restrict, disks }) {
      await owner.register({ restrict, disks: disks.map((disk) => [disk, 'exclusive'] as const) });
    },
    callOwn: (operation, disk) => owner.callOwn(operation, disk),
    async exit() {
      await owner.kill('SIGKILL');
      await waitUnregistered(client, owner.pid);
    },
  };
}

/** A conformance harness factory for the sanlock driver on a live daemon (one per check). */
export function sanlockHarness(options: SanlockHarnessOptions): HarnessFactory {
  const client = new SanlockClient({ socket: options.socket });
  return async (): Promise<ConformanceHarness> => {
    const dir = await mkdtemp(join(options.diskParent ?? tmpdir(), 'lockchart-conform-'));
    const config = sanlockConfig(options);
    const driver = createSanlockDriver();
    const owners: OwnerProcess[] = [];
    const disks: string[] = [];
    return {
      driver,
      config,
      async disk(name) {
        const path = await emptyDiskImage(dir, name);
        disks.push(path);
        return path;
      },
      async spawnOwner() {
        const owner = await spawnSanlockOwner(config);
        owners.push(owner);
        return handleFor(owner, client);
      },
      async cleanup() {
        await Promise.all(owners.map(async (owner) => {
          await owner.kill('SIGKILL');
          await waitUnregistered(client, owner.pid).catch(() => {});
        }));
        await driver.deinit();
        await rm(dir, { recursive: true, force: true });
        await Promise.all(disks.map((disk) =>
          rm(inLeaseDir(options.leaseDir, diskLeaseName(disk)), { force: true })));
      },
    };
  };
}
