/**
 * Counting what a real-mode run left alive, so "nothing outlives it" is counted, not assumed.
 * Every run under test makes its files under a private parent directory, and everything it
 * starts names that directory: on its command line (helpers, bundled owners), as its working
 * directory (owners, VM stand-ins) or in its environment (daemons started with a run directory
 * there, `SANLOCK_RUN_DIR`). So its processes, its UNIX sockets (bound inside it), its
 * directories and the kernel locks its processes held can be counted before, during and after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RealBackend } from '../../real/backend.ts';
import { readProcLocks } from '../../system/proc-locks.ts';
import { isToolCache } from '../leak-guard.ts';
import { waitUntil } from './lockd-support.ts';

const LOCKCHART = fileURLToPath(new URL('../../bin/lockchart.mjs', import.meta.url));

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // gone, or a zombie: it holds nothing any more
  }
}

function cmdline(pid: string): string {
  return read(`/proc/${pid}/cmdline`);
}

/** Whether process `pid` belongs to the run under `parent` (see the module comment). */
export function namesParent(pid: string, parent: string): boolean {
  if (cmdline(pid).includes(parent) || read(`/proc/${pid}/environ`).includes(parent)) return true;
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(parent);
  } catch {
    return false;
  }
}

function pidsOf(parent: string): string[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => pid !== String(process.pid) && namesParent(pid, parent));
}

export interface Census {
  readonly processes: number;
  /** Processes whose command line starts with the daemon binary asked for (else 0). */
  readonly daemons: number;
  readonly sockets: number;
  readonly locks: number;
  readonly dirs: number;
}

export const NOTHING: Census = { processes: 0, daemons: 0, sockets: 0, locks: 0, dirs: 0 };

/**
 * What of the run under `parent` is alive now. `seen` collects every pid ever counted, so the
 * kernel locks of a process that has since died are still attributed to the run.
 */
export function census(parent: string, seen = new Set<number>(), daemonBinary?: string): Census {
  const pids = pidsOf(parent).map(Number);
  for (const pid of pids) seen.add(pid);
  const daemons = daemonBinary === undefined ? 0
    : pids.filter((pid) => cmdline(String(pid)).startsWith(daemonBinary)).length;
  const sockets = readFileSync('/proc/net/unix', 'utf8').split('\n')
    .filter((line) => line.includes(parent)).length;
  const locks = readProcLocks().filter((lock) => seen.has(lock.pid)).length;
  const dirs = readdirSync(parent).filter((name) => !isToolCache(name)).length;
  return { processes: pids.length, daemons, sockets, locks, dirs };
}

/** Names what is left, so a failure says which process or directory outlived the run. */
export function leftovers(parent: string): string[] {
  return [...pidsOf(parent).map((pid) => `pid ${pid}: ${cmdline(pid).replaceAll('\0', ' ')}`),
    ...readdirSync(parent).filter((name) => !isToolCache(name)).map((name) => `dir ${name}`)];
}

/** Private parent directories for runs; `remove()` in afterAll takes them away. */
export class Parents {
  private readonly made: string[] = [];

  make(): string {
    const parent = mkdtempSync(join(tmpdir(), 'lockchart-cleanup-'));
    this.made.push(parent);
    return parent;
  }

  remove(): void {
    for (const parent of this.made.splice(0)) rmSync(parent, { recursive: true, force: true });
  }
}

/**
 * Makes `backend` take `take()` the first time it observes a lock (the run then has its daemons,
 * its owners and their locks); the returned function gives that census, or null before.
 */
export function censusOnFirstLock(backend: RealBackend, take: () => Census): () => Census | null {
  let during: Census | null = null;
  const observe = backend.observe.bind(backend);
  backend.observe = async () => {
    const locks = await observe();
    if (locks && locks.length > 0 && during === null) during = take();
    return locks;
  };
  return () => during;
}

/** A `lockchart sim --real` child and how it ended. */
export interface RealRunChild {
  readonly child: ChildProcess;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

/**
 * Starts `lockchart sim --real --driver DRIVER --faults FAULTS` (seed 2, steps without end) with
 * its temporary files under `parent`; resolves once `busy()` says it holds what the test needs.
 */
export async function startRealRun(driver: string, faults: string, parent: string,
  busy: () => boolean, what: string, timeoutMs = 60_000): Promise<RealRunChild> {
  const child = spawn(process.execPath, [LOCKCHART, 'sim', '--real', '--driver', driver,
    '--seed', '2', '--steps', '1000000', '--faults', faults],
  { env: { ...process.env, TMPDIR: parent }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)));
  try {
    await waitUntil(busy, what, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, exited };
}

/** What stopping a run with a signal left: the census just before, and once things settled. */
export interface Stopped {
  /** How the run's process ended (the signal, if it died of it). */
  readonly ended: NodeJS.Signals | number | null;
  readonly before: Census;
  readonly after: Census;
}

/**
 * Sends `signal` to the run and waits until it ended. After SIGKILL no handler of the run's own
 * runs: what goes, the kernel (parent-death signals) and the reaper take away, so the census is
 * given up to `settleMs` to reach nothing first.
 */
export async function stopRun(run: RealRunChild, signal: NodeJS.Signals, take: () => Census,
  settleMs = 20_000): Promise<Stopped> {
  try {
    const before = take();
    run.child.kill(signal);
    const ended = await run.exited;
    if (signal === 'SIGKILL') {
      await waitUntil(() => JSON.stringify(take()) === JSON.stringify(NOTHING),
        'what the killed run started to go', settleMs).catch(() => {});
    }
    return { ended, before, after: take() };
  } finally {
    run.child.kill('SIGKILL');
  }
}
