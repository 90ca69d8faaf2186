/**
 * Global setup of both test tiers: "no child process, socket or temp file outlives a test",
 * checked over the whole run rather than file by file. The test processes, and everything they
 * start, inherit a private TMPDIR and a run marker in their environment. When the run ends,
 * anything left in that directory or any live process still carrying the marker fails the run;
 * the leftovers are removed, so one leak does not poison the next run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { killQuietly } from '../system/exit-cleanup.ts';
import { identify } from '../system/process-identity.ts';

const MARKER = 'LOCKCHART_TEST_RUN';
/** Processes killed at the very end of a test get this long to be reaped. */
const SETTLE_MS = 3000;
/** tsx keeps its transform cache in the temp directory (`tsx-<uid>`): a cache, not a leak. */
export function isToolCache(name: string): boolean {
  return /^tsx-\d+$/.test(name);
}

export default function setup(): () => Promise<void> {
  // Short: virtlockd's socket paths go under it and must fit a sockaddr_un (108 bytes).
  const root = mkdtempSync(join(tmpdir(), 'lc-'));
  const run = basename(root);
  process.env['TMPDIR'] = root;
  process.env[MARKER] = run;
  return async () => {
    const deadline = Date.now() + SETTLE_MS;
    let processes: Marked[];
    let files: string[];
    for (;;) {
      processes = marked(run);
      files = readdirSync(root).filter((name) => !isToolCache(name));
      if ((processes.length === 0 && files.length === 0) || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const leaked of processes) killQuietly(leaked.pid);
    rmSync(root, { recursive: true, force: true });
    const leaks = [
      ...processes.map((leaked) => `process ${leaked.pid} (${leaked.command})`),
      ...files.map((file) => join(root, file)),
    ];
    if (leaks.length > 0) {
      // vitest reports an error thrown here but still exits 0: the exit code says it instead.
      process.exitCode = 1;
      throw new Error(`the tests left ${leaks.length} thing(s) behind: ${leaks.join('; ')}`);
    }
  };
}

interface Marked {
  readonly pid: number;
  readonly command: string;
}

/** Live processes (other than this one) whose environment carries this run's marker. */
function marked(run: string): Marked[] {
  const needle = `${MARKER}=${run}`;
  const found: Marked[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle)) continue;
      // A zombie whose threads are all gone is dead already; its parent reaps it.
      if (identify(pid) === null) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid, command: command.slice(0, 160) });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
