/**
 * Nothing a lockd real-mode run starts outlives it — counted, not assumed. Every run here makes
 * its files under a private parent directory, so its processes (owners and daemons name it on
 * their command lines), its UNIX sockets (bound inside it) and its temporary directories can be
 * counted before, during and after, with the kernel locks its daemons held. After a finished
 * run, and after SIGINT to a `lockchart sim --real --driver lockd` child, all are back to zero.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { readProcLocks } from '../../system/proc-locks.ts';
import { lockdBackend } from '../../real/lockd/backend.ts';
import { runReal } from '../../real/runner.ts';
import { isToolCache } from '../leak-guard.ts';
import { describeVirtlockd, waitUntil } from './lockd-support.ts';

const LOCKCHART = fileURLToPath(new URL('../../bin/lockchart.mjs', import.meta.url));
const parents: string[] = [];
afterAll(() => {
  for (const parent of parents) rmSync(parent, { recursive: true, force: true });
});

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // gone, or a zombie: it holds nothing any more
  }
}

/** What of a run is alive now: everything that names its private parent directory. */
function census(parent: string, seen = new Set<number>()) {
  const pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => cmdline(pid).includes(parent)).map(Number);
  for (const pid of pids) seen.add(pid);
  const daemons = pids.filter((pid) => cmdline(String(pid)).startsWith('/usr/sbin/virtlockd'));
  const sockets = readFileSync('/proc/net/unix', 'utf8').split('\n')
    .filter((line) => line.includes(parent)).length;
  const locks = readProcLocks().filter((lock) => seen.has(lock.pid)).length;
  const dirs = readdirSync(parent).filter((name) => !isToolCache(name)).length;
  return { processes: pids.length, daemons: daemons.length, sockets, locks, dirs };
}

/** Names what is left, so a failure says which process or directory outlived the run. */
function leftovers(parent: string): string[] {
  const pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => cmdline(pid).includes(parent));
  return [...pids.map((pid) => `pid ${pid}: ${cmdline(pid).replaceAll('\0', ' ')}`),
    ...readdirSync(parent).filter((name) => !isToolCache(name)).map((name) => `dir ${name}`)];
}

const nothing = { processes: 0, daemons: 0, sockets: 0, locks: 0, dirs: 0 };

function privateParent(): string {
  const parent = mkdtempSync(join(tmpdir(), 'lockchart-cleanup-'));
  parents.push(parent);
  return parent;
}

describeVirtlockd('lockd real mode leaves nothing behind', () => {
  it('after a run with faults: no process, socket, directory or lock of it is left', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    expect(census(parent, seen)).toEqual(nothing);
    const backend = lockdBackend({ parentDir: parent });
    let during: ReturnType<typeof census> | null = null;
    const observe = backend.observe.bind(backend);
    backend.observe = async () => {
      const locks = await observe();
      if (locks && locks.length > 0 && during === null) during = census(parent, seen);
      return locks;
    };
    await runReal({ backend, keepGoing: true, source: { kind: 'random', seed: 4, steps: 200,
      faults: ['process-crash', 'daemon-crash', 'daemon-reexec', 'connection-drop',
        'host-crash'] } });
    console.log('lockd real run, during:', during, 'after:', census(parent, seen));
    expect(during).toMatchObject({ daemons: 2, sockets: expect.any(Number), dirs: 1 });
    expect(during!.processes).toBeGreaterThan(2); // daemons and owners
    expect(during!.locks).toBeGreaterThan(0);
    expect(census(parent, seen)).toEqual(nothing);
  });

  it('after SIGINT to `lockchart sim --real --driver lockd`: nothing either', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    const child = spawn(process.execPath, [LOCKCHART, 'sim', '--real', '--driver', 'lockd',
      '--seed', '2', '--steps', '1000000', '--faults', 'process-crash,daemon-reexec'],
    { env: { ...process.env, TMPDIR: parent }, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)));
    try {
      await waitUntil(() => {
        const now = census(parent, seen);
        return now.daemons === 2 && now.locks > 0 && now.processes > 4;
      }, 'the run to hold locks with its daemons and owners', 60_000);
      const during = census(parent, seen);
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      const after = census(parent, seen);
      console.log('lockchart sim --real, before SIGINT:', during, 'after:', after,
        leftovers(parent));
      expect(after).toEqual(nothing);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('after SIGKILL to `lockchart sim --real --driver lockd`: its reaper leaves nothing', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    const child = spawn(process.execPath, [LOCKCHART, 'sim', '--real', '--driver', 'lockd',
      '--seed', '2', '--steps', '1000000', '--faults', 'process-crash'],
    { env: { ...process.env, TMPDIR: parent }, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)));
    try {
      await waitUntil(() => {
        const now = census(parent, seen);
        return now.daemons === 2 && now.locks > 0 && now.processes > 4;
      }, 'the run to hold locks with its daemons and owners', 60_000);
      const during = census(parent, seen);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // No handler of the run's own ran: what is gone now, the reaper took away.
      await waitUntil(() => JSON.stringify(census(parent, seen)) === JSON.stringify(nothing),
        'the reaper to kill the daemons and owners and remove the world', 20_000).catch(() => {});
      const after = census(parent, seen);
      console.log('lockchart sim --real, before SIGKILL:', during, 'after:', after);
      expect(after).toEqual(nothing);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
