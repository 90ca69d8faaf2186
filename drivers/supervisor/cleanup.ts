/**
 * Nothing a run starts may outlive it. Every process a run spawns (supervisors, VM stand-ins)
 * and every temporary path it makes is registered here; when the run's process exits, or gets
 * SIGINT or SIGTERM, whatever is still registered is killed with SIGKILL (by pid, and only if
 * the pid still names the same process) and removed. Callers unregister what they cleaned up
 * themselves.
 */
import { rmSync } from 'node:fs';
import { identify, type ProcessIdentity } from '../kernel/process-identity.ts';

const processes = new Map<number, ProcessIdentity>();
const paths = new Set<string>();
let installed = false;

/** Registers a process to kill at exit; returns the function that unregisters it. */
export function trackProcess(identity: ProcessIdentity): () => void {
  install();
  processes.set(identity.pid, identity);
  return () => {
    if (processes.get(identity.pid) === identity) processes.delete(identity.pid);
  };
}

/** Registers a file or directory to remove at exit; returns the function that unregisters it. */
export function trackPath(path: string): () => void {
  install();
  paths.add(path);
  return () => paths.delete(path);
}

/** Kills the process if (and only if) the pid still names it. Returns whether it signalled. */
export function killIdentified(identity: ProcessIdentity, signal: NodeJS.Signals = 'SIGKILL'):
  boolean {
  if (identify(identity.pid)?.startTime !== identity.startTime) return false;
  try {
    process.kill(identity.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Kills and removes everything still registered; synchronous, so it runs in an exit handler. */
export function cleanupNow(): { killed: number; removed: number } {
  let killed = 0;
  for (const identity of processes.values()) if (killIdentified(identity)) killed++;
  processes.clear();
  let removed = 0;
  for (const path of paths) {
    try {
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      // Nothing more can be done at exit.
    }
  }
  paths.clear();
  return { killed, removed };
}

/** Shared with `drivers/lockd/exit-cleanup.ts`: a listener that only cleans up (global symbol). */
const CLEANUP_HANDLER = Symbol.for('lockchart.signal-cleanup');

function onSignal(signal: NodeJS.Signals): void {
  cleanupNow();
  // Keep the signal's meaning: with no other handler (only cleanups), die of it as if we had
  // never listened.
  if (process.listeners(signal).every((listener) => CLEANUP_HANDLER in listener)) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}
Object.assign(onSignal, { [CLEANUP_HANDLER]: true });

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => cleanupNow());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
