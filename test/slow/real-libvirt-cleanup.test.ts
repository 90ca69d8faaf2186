/**
 * Nothing a `libvirt-lockd` real-mode run starts outlives it — counted: under a private parent
 * directory, its processes (helpers name it on their command lines, VM stand-ins and daemons
 * run in it or name it), its UNIX sockets, directories and the kernel locks its daemons held.
 * After a run with faults, after SIGINT to `lockchart sim --real --driver libvirt-lockd`, and
 * after SIGKILL of it (parent-death signals: the directory is then left, and removed here).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { readProcLocks } from '../../system/proc-locks.ts';
import { libvirtBackend } from '../../real/libvirt/backend.ts';
import { runReal } from '../../real/runner.ts';
import { isToolCache } from '../leak-guard.ts';
import { describeLibvirt } from './libvirt-support.ts';
import { waitUntil } from './lockd-support.ts';

const LOCKCHART = fileURLToPath(new URL('../../bin/lockchart.mjs', import.meta.url));
const parents: string[] = [];
afterAll(() => {
  for (const parent of parents) rmSync(parent, { recursive: true, force: true });
});

function named(pid: string, parent: string): boolean {
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(parent)) return true;
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(parent);
  } catch {
    return false; // gone, or a zombie: it holds nothing any more
  }
}

function census(parent: string, seen = new Set<number>()) {
  const pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => named(pid, parent)).map(Number);
  for (const pid of pids) seen.add(pid);
  const sockets = readFileSync('/proc/net/unix', 'utf8').split('\n')
    .filter((line) => line.includes(parent)).length;
  const locks = readProcLocks().filter((lock) => seen.has(lock.pid)).length;
  const dirs = readdirSync(parent).filter((name) => !isToolCache(name)).length;
  return { processes: pids.length, sockets, locks, dirs };
}

const nothing = { processes: 0, sockets: 0, locks: 0, dirs: 0 };

function privateParent(): string {
  const parent = mkdtempSync(join(tmpdir(), 'lockchart-cleanup-'));
  parents.push(parent);
  return parent;
}

/** Starts `lockchart sim --real --driver libvirt-lockd` under `parent`; resolves once it holds locks. */
async function busyRun(parent: string, seen: Set<number>) {
  const child = spawn(process.execPath, [LOCKCHART, 'sim', '--real', '--driver', 'libvirt-lockd',
    '--seed', '2', '--steps', '1000000', '--faults', 'process-crash,daemon-reexec'],
  { env: { ...process.env, TMPDIR: parent }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)));
  await waitUntil(() => {
    const now = census(parent, seen);
    return now.locks > 0 && now.processes > 4;
  }, 'the run to hold locks with its daemons, helpers and VMs', 60_000);
  return { child, exited };
}

describeLibvirt('libvirt-lockd real mode leaves nothing behind', () => {
  it('after a run with faults: no process, socket, directory or lock of it is left', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    const backend = libvirtBackend({ parentDir: parent });
    let during: ReturnType<typeof census> | null = null;
    const observe = backend.observe.bind(backend);
    backend.observe = async () => {
      const locks = await observe();
      if (locks && locks.length > 0 && during === null) during = census(parent, seen);
      return locks;
    };
    await runReal({ backend, keepGoing: true, source: { kind: 'random', seed: 4, steps: 200,
      faults: ['process-crash', 'daemon-crash', 'daemon-reexec', 'connection-drop',
        'host-crash', 'libvirtd-restart'] } });
    console.log('libvirt-lockd real run, during:', during, 'after:', census(parent, seen));
    expect(during!.processes).toBeGreaterThan(4); // 2 daemons, 4 helpers, VMs
    expect(during!.locks).toBeGreaterThan(0);
    expect(census(parent, seen)).toEqual(nothing);
  });

  it('after SIGINT to `lockchart sim --real --driver libvirt-lockd`: nothing either', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    const { child, exited } = await busyRun(parent, seen);
    try {
      const during = census(parent, seen);
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      console.log('lockchart sim --real, before SIGINT:', during, 'after:', census(parent, seen));
      expect(census(parent, seen)).toEqual(nothing);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('after SIGKILL of it: no process, socket or lock (its directory is left to remove)',
    async () => {
      const parent = privateParent();
      const seen = new Set<number>();
      const { child, exited } = await busyRun(parent, seen);
      const during = census(parent, seen);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await waitUntil(() => {
        const now = census(parent, seen);
        return now.processes === 0 && now.locks === 0 && now.sockets === 0;
      }, 'every process, lock and socket of the killed run to go', 10_000);
      console.log('lockchart sim --real, before SIGKILL:', during, 'after:', census(parent, seen));
      for (const name of readdirSync(parent)) {
        if (!isToolCache(name)) rmSync(join(parent, name), { recursive: true, force: true });
      }
      expect(census(parent, seen)).toEqual(nothing);
    });
});
