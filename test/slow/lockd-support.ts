/**
 * Shared pieces of the real-virtlockd tests: whether the daemon can run here (outside CI a
 * missing virtlockd skips with a printed reason; in CI the tests run and fail), private daemons
 * that are always stopped, temp disks, and polling.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  SOCKET_ACTIVATOR,
  VIRTLOCKD_BINARY,
  VirtlockdDaemon,
  type VirtlockdOptions,
} from '../../daemons/virtlockd.ts';
import { describeWhere } from '../helpers/describe-where.ts';

function missingComponent(): string | null {
  if (!existsSync(VIRTLOCKD_BINARY)) return `${VIRTLOCKD_BINARY} is not installed (libvirt-daemon)`;
  try {
    execFileSync('sh', ['-c', `command -v ${SOCKET_ACTIVATOR}`], { stdio: 'ignore' });
  } catch {
    return `${SOCKET_ACTIVATOR} is not installed (systemd)`;
  }
  if (process.getuid?.() !== 0) return 'the tests start virtlockd as root and must run as root';
  return null;
}

const missing = missingComponent();

/** `describe`, or a skip with a printed reason when virtlockd cannot run here (never in CI). */
export function describeVirtlockd(name: string, body: () => void): void {
  describeWhere(missing, name, body);
}

/** Daemons and dirs a test file made; `release()` in afterEach/afterAll frees them all. */
export class Scratch {
  private readonly daemons: VirtlockdDaemon[] = [];
  private readonly dirs: string[] = [];

  async daemon(options: VirtlockdOptions = {}): Promise<VirtlockdDaemon> {
    const daemon = await VirtlockdDaemon.start(options);
    this.daemons.push(daemon);
    return daemon;
  }

  dir(prefix = 'lockchart-test-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** An empty file (a "disk") in a fresh dir. */
  disk(name = 'disk.img'): string {
    const path = join(this.dir(), name);
    writeFileSync(path, '');
    return path;
  }

  async release(): Promise<void> {
    await Promise.all(this.daemons.splice(0).map((daemon) => daemon.stop()));
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `probe` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitUntil(probe: () => boolean | Promise<boolean>, what: string,
  timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(10);
  }
}
