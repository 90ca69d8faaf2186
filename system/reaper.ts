/**
 * The reaper: what a run starts must not outlive it even when it is killed with SIGKILL, when
 * no handler of its own runs (`exit-cleanup.ts` covers every other end). The first time a
 * process registers something to clean up, it starts a small detached process
 * (`reaper-main.mjs`, through a launcher, so that it is no child of this one) holding the read
 * end of a pipe from it, and writes each registration —
 * a process (pid and start time) or a path — to a journal file, one line per change, with one
 * write(2) each. When this process dies, for whatever reason, the kernel closes the pipe; the
 * reaper reads end of file, SIGKILLs the processes still listed (if the pid still names the
 * same process) and removes the paths, then the journal, and exits.
 *
 * This is the parent-death signal Linux gives only through prctl(PR_SET_PDEATHSIG), which Node
 * cannot call, made portable: it also covers programs lockchart cannot change (virtlockd).
 */
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from './process-identity.ts';

/** Something to reap if this process dies without cleaning it up. */
export type Leftover =
  | { readonly process: { readonly pid: number; readonly startTime: number } }
  | { readonly path: string };

const MAIN = fileURLToPath(new URL('./reaper-main.mjs', import.meta.url));

/** Starts the reaper with the launcher's stdin (the pipe from the run), then exits. */
const LAUNCHER = `
const [main, journal] = process.argv.slice(1);
require('node:child_process').spawn(process.execPath, [main, journal],
  { detached: true, stdio: ['inherit', 'ignore', 'ignore'] }).unref();`;

interface Reaper {
  /** The write end of the reaper's pipe, held (and so open) for this process's life. */
  readonly pipe: Writable;
  readonly journal: string;
  readonly fd: number;
}

let reaper: Reaper | null | undefined;
let nextId = 1;

/**
 * Starts the reaper now, if it is not running yet. Call it before making something the reaper
 * must know of: the thing is then registered a moment after it exists, with one write(2),
 * instead of after a process start.
 */
export function ensureReaper(): void {
  if (reaper === undefined) reaper = start('');
}

/** Starts the reaper with `first` already in its journal: nothing is left unlisted meanwhile. */
function start(first: string): Reaper | null {
  if (process.env['LOCKCHART_NO_REAPER'] === '1') return null;
  const journal = join(tmpdir(), `lockchart-reaper-${process.pid}-${Date.now().toString(36)}`);
  let fd: number;
  try {
    fd = openSync(journal, 'a', 0o600);
    if (first !== '') writeSync(fd, first);
  } catch {
    return null;
  }
  // Started through a launcher that exits at once, so the reaper is nobody's child here: it is
  // no descendant of this process (tests count those), and nothing waits for it.
  const child = spawn(process.execPath, ['-e', LAUNCHER, MAIN, journal], {
    detached: true, stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => {});
  const pipe = child.stdin!;
  pipe.on('error', () => {});
  // Node destroys a child's stdin when the child exits; the launcher exits at once, and the
  // pipe must stay open as long as this process lives: take it away from the child object.
  (child as { stdin: Writable | null }).stdin = null;
  (child.stdio as unknown as (Writable | null)[])[0] = null;
  // Neither the launcher nor the pipe keeps this process alive.
  child.unref();
  (pipe as unknown as { unref(): void }).unref();
  return { pipe, journal, fd };
}

function write(line: string): void {
  if (reaper === undefined) {
    reaper = start(`${line}\n`);
    return;
  }
  if (reaper === null) return;
  try {
    writeSync(reaper.fd, `${line}\n`);
  } catch {
    // A journal that cannot be written leaves the last-resort cleanup to exit-cleanup.ts.
  }
}

/**
 * Registers a leftover with the reaper; returns the function that forgets it (call it once the
 * thing was cleaned up normally).
 */
export function reapIfOrphaned(leftover: Leftover): () => void {
  const id = nextId++;
  write('process' in leftover
    ? `+${id} process ${leftover.process.pid} ${leftover.process.startTime}`
    : `+${id} path ${leftover.path}`);
  let forgotten = false;
  return () => {
    if (forgotten) return;
    forgotten = true;
    write(`-${id}`);
  };
}

/** How long a normal exit waits for a reaper still starting to say who it is. */
const REAPER_START_WAIT_MS = 1000;

/**
 * At a normal exit nothing is left: the journal goes now, and the reaper with it. It would see
 * end of file a moment after this process is gone and find nothing to do, but that moment is a
 * process outliving the run; so the reaper is stopped now. Returns its pid (SIGKILLed: the
 * caller waits for its death), or null when no reaper ran.
 */
export function closeReaperJournal(): number | null {
  if (!reaper) return null;
  try {
    closeSync(reaper.fd);
  } catch {
    // Already closed.
  }
  rmSync(reaper.journal, { force: true });
  const pid = reaperPid(reaper.journal);
  rmSync(`${reaper.journal}.pid`, { force: true });
  reaper = null;
  if (pid === null) return null;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return null; // Already gone.
  }
  return pid;
}

/** The reaper's pid from the file it writes as it starts (waiting, boundedly, for it). */
function reaperPid(journal: string): number | null {
  const deadline = Date.now() + REAPER_START_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      const [pid, start] = readFileSync(`${journal}.pid`, 'utf8').trim().split(' ');
      // Only if the pid still names the reaper: it may have ended and its pid been reused.
      return isAlive({ pid: Number(pid), startTime: Number(start) }) ? Number(pid) : null;
    } catch {
      if (Date.now() > deadline) return null;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}
