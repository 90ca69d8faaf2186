/**
 * The reaper: what a run starts must not outlive it even when it is killed with SIGKILL, when
 * no handler of its own runs (`exit-cleanup.ts` covers every other end). The first time a
 * process registers something to clean up, it starts a small detached process
 * (`reaper-main.mjs`) holding the read end of a pipe from it, and writes each registration —
 * a process (pid and start time) or a path — to a journal file, one line per change, with one
 * write(2) each. When this process dies, for whatever reason, the kernel closes the pipe; the
 * reaper reads end of file, SIGKILLs the processes still listed (if the pid still names the
 * same process) and removes the paths, then the journal, and exits.
 *
 * This is the parent-death signal Linux gives only through prctl(PR_SET_PDEATHSIG), which Node
 * cannot call, made portable: it also covers programs lockchart cannot change (virtlockd).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Something to reap if this process dies without cleaning it up. */
export type Leftover =
  | { readonly process: { readonly pid: number; readonly startTime: number } }
  | { readonly path: string };

const MAIN = fileURLToPath(new URL('./reaper-main.mjs', import.meta.url));

interface Reaper {
  readonly child: ChildProcess;
  readonly journal: string;
  readonly fd: number;
}

let reaper: Reaper | null | undefined;
let nextId = 1;

function start(): Reaper | null {
  if (process.env['LOCKCHART_NO_REAPER'] === '1') return null;
  const journal = join(tmpdir(), `lockchart-reaper-${process.pid}-${Date.now().toString(36)}`);
  let fd: number;
  try {
    fd = openSync(journal, 'a', 0o600);
  } catch {
    return null;
  }
  const child = spawn(process.execPath, [MAIN, journal], {
    detached: true, stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => {});
  child.stdin!.on('error', () => {});
  // Neither the reaper nor its pipe keeps this process alive.
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  return { child, journal, fd };
}

function write(line: string): void {
  if (reaper === undefined) reaper = start();
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

/** For tests: the reaper's pid and journal, if one was started. */
export function reaperInfo(): { pid: number; journal: string } | null {
  return reaper ? { pid: reaper.child.pid!, journal: reaper.journal } : null;
}

/** At a normal exit nothing is left: the journal goes now (the reaper then finds none). */
export function closeReaperJournal(): void {
  if (!reaper) return;
  try {
    closeSync(reaper.fd);
  } catch {
    // Already closed.
  }
  rmSync(reaper.journal, { force: true });
}
