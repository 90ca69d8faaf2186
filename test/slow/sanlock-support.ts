/**
 * Shared pieces of the real-sanlock tests: whether the daemon can run here (outside CI a missing
 * sanlock skips with a printed reason; in CI the tests run, and fail), and private daemons and
 * dirs that are always cleaned up.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANLOCK_BINARY, SanlockDaemon, SETPRIV, type SanlockDaemonOptions }
  from '../../daemons/sanlock.ts';
import { describeWhere } from '../helpers/describe-where.ts';

function missingComponent(): string | null {
  if (!existsSync(SANLOCK_BINARY)) return `${SANLOCK_BINARY} is not installed (package sanlock)`;
  try {
    execFileSync('sh', ['-c', `command -v ${SETPRIV}`], { stdio: 'ignore' });
  } catch {
    return `${SETPRIV} is not installed (util-linux)`;
  }
  if (process.getuid?.() !== 0) return 'the tests start sanlock daemons as root and must run as root';
  return null;
}

export const sanlockMissing = missingComponent();

/** `describe`, or a skip with a printed reason when sanlock cannot run here (never in CI). */
export function describeSanlock(name: string, body: () => void): void {
  describeWhere(sanlockMissing, name, body);
}

/** Daemons and dirs a test file made; `release()` in afterAll frees them all. */
export class SanlockScratch {
  private readonly daemons: SanlockDaemon[] = [];
  private readonly dirs: string[] = [];

  async daemon(options: SanlockDaemonOptions = {}): Promise<SanlockDaemon> {
    const daemon = await SanlockDaemon.start(options);
    this.daemons.push(daemon);
    return daemon;
  }

  dir(prefix = 'lockchart-sanlock-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  async release(): Promise<void> {
    await Promise.all(this.daemons.splice(0).map((daemon) => daemon.stop()));
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** The pids of a process's children (every thread's), from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // Gone.
  }
  return out;
}
