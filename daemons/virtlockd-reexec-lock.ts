/**
 * Serialises virtlockd re-execs across processes.
 *
 * A re-exec'ing virtlockd writes its state to a *fixed* path, `/run/virtlockd-restart-exec.json`,
 * and reads it back after `execvp`. Two daemons re-exec'ing at once would read each other's file
 * (the pid "magic" makes the loser start empty: every lock lost). This lock is a file created
 * with O_EXCL holding the holder's pid; a holder that died is detected and its lock broken.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  unlinkSync,
  watch,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockError } from '../contract/errors.ts';
import { cleanupOnExit } from '../system/exit-cleanup.ts';

/** Where virtlockd keeps its state across a re-exec (fixed in libvirt). */
export const REEXEC_STATE_FILE = '/run/virtlockd-restart-exec.json';
/** Next to the state file for root (who alone can signal a root daemon), else the temp dir. */
export const REEXEC_LOCK_FILE = process.getuid?.() === 0
  ? '/run/lockchart-virtlockd-reexec.lock' : join(tmpdir(), 'lockchart-virtlockd-reexec.lock');

function holderAlive(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return true; // Being written right now: treat as held.
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function tryTake(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (!holderAlive(path)) {
      try {
        unlinkSync(path);
      } catch {
        // Someone else broke it first.
      }
    }
    return false;
  }
}

/**
 * Runs `body` while holding the cross-process re-exec lock.
 * @throws OPERATION_TIMEOUT when the lock stays held by a live process for `timeoutMs`.
 */
export async function withReexecLock<T>(body: () => Promise<T>, timeoutMs = 60_000,
  path = REEXEC_LOCK_FILE): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!tryTake(path)) {
    if (Date.now() > deadline) {
      throw lockError('OPERATION_TIMEOUT', `re-exec lock ${path} still held after ${timeoutMs} ms`,
        { operation: 'reexec' });
    }
    await sleep(20);
  }
  const release = () => {
    if (existsSync(path)) unlinkSync(path);
  };
  const dispose = cleanupOnExit(release);
  try {
    return await body();
  } finally {
    dispose();
    release();
  }
}

/**
 * Watches for the moment a re-exec'd virtlockd has consumed its state file: the old image writes
 * it, the new one reads and deletes it. Start watching *before* sending SIGUSR1: the file lives
 * for about a millisecond, too short to poll for, and an answer on a connection proves nothing
 * (the old image may answer a call between the signal and leaving its event loop).
 */
export function watchStateFileConsumed(path = REEXEC_STATE_FILE): {
  readonly consumed: Promise<void>;
  close(): void;
} {
  let resolveConsumed: () => void = () => {};
  const consumed = new Promise<void>((resolve) => {
    resolveConsumed = resolve;
  });
  const watcher = watch(dirname(path), (_event, name) => {
    if (name === basename(path) && !existsSync(path)) resolveConsumed();
  });
  return { consumed, close: () => watcher.close() };
}
