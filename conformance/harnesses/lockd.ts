/**
 * The conformance harness for the lockd driver against a live virtlockd: real temp files, real
 * owner processes that register themselves (`owner.ts`), the real daemon deciding.
 *
 * Each harness gets its own temp dir of disks, so checks never see each other's locks even on
 * one daemon. An owner's `exit` kills it (SIGKILL, a crash), waits until it is reaped and then
 * until the daemon has processed the close: virtlockd is single-threaded, and the release (and
 * its kill loop) runs inside the event-loop turn that saw the EOF, so two round trips on another
 * connection, each answered after the EOF was already pending, cannot overtake it.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceHarness, HarnessFactory, OwnerHandle } from '../harness.ts';
import { LockdClient } from '../../drivers/lockd/client.ts';
import { createLockdDriver } from '../../drivers/lockd/driver.ts';
import { neutralOwner } from '../../drivers/lockd/owners.ts';
import { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { emptyDiskImage } from './disk-image.ts';

/** Which live daemon, and how, the lockd harness checks. */
export interface LockdHarnessOptions {
  /** virtlockd's socket. */
  readonly socket: string;
  /** Use indirect leases in this lockspace dir (absent: direct leases on the disks). */
  readonly lockspaceDir?: string;
  readonly timeoutMs?: number;
  /** Where the per-check disk dirs are made (default: the OS temp dir). */
  readonly diskParent?: string;
}

/** The driver configuration for these options. */
export function lockdConfig(options: LockdHarnessOptions): Record<string, unknown> {
  return {
    socket: options.socket,
    ...(options.lockspaceDir ? { file_lockspace_dir: options.lockspaceDir } : {}),
    ...(options.timeoutMs ? { timeout_ms: options.timeoutMs } : {}),
  };
}

/** Waits until virtlockd has handled everything that happened before this call (see header). */
export async function settle(socket: string): Promise<void> {
  const owner = neutralOwner('lockchart-settle');
  const client = await LockdClient.connect(socket, { register: owner });
  try {
    await client.call({ procedure: 'REGISTER', owner, flags: 0 });
  } finally {
    await client.close();
  }
}

function handleFor(owner: OwnerProcess, socket: string): OwnerHandle {
  return {
    pid: owner.pid,
    async register({ restrict, disks }) {
      await owner.register({ restrict, disks: disks.map((disk) => [disk, 'exclusive'] as const) });
    },
    callOwn: (operation, disk) => owner.callOwn(operation, disk),
    async exit() {
      await owner.kill('SIGKILL');
      await settle(socket);
    },
  };
}

/** A conformance harness factory for the lockd driver on a live daemon (one per check). */
export function lockdHarness(options: LockdHarnessOptions): HarnessFactory {
  return async (): Promise<ConformanceHarness> => {
    const dir = await mkdtemp(join(options.diskParent ?? tmpdir(), 'lockchart-conform-'));
    const config = lockdConfig(options);
    const driver = createLockdDriver();
    const owners: OwnerProcess[] = [];
    return {
      driver,
      config,
      disk: (name) => emptyDiskImage(dir, name),
      async alias(path) {
        const link = `${path}.link`;
        await symlink(path, link).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        return link;
      },
      async spawnOwner() {
        const owner = await OwnerProcess.spawn(config);
        owners.push(owner);
        return handleFor(owner, options.socket);
      },
      async cleanup() {
        await Promise.all(owners.map((owner) => owner.kill('SIGKILL')));
        await driver.deinit();
        await settle(options.socket).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}
