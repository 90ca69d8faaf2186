/**
 * Nothing a run starts may outlive it. Every process a run spawns (supervisors, VM stand-ins)
 * and every temporary path it makes is registered with the last-resort cleanup
 * (`system/exit-cleanup.ts`): if the run's process exits, or gets SIGINT/SIGTERM/SIGHUP, first,
 * the process is killed with SIGKILL (by pid, and only if the pid still names the same process)
 * and the path removed. Callers unregister what they cleaned up themselves.
 */
import { rmSync } from 'node:fs';
import { cleanupOnExit, killQuietly } from '../../../system/exit-cleanup.ts';
import { identify, type ProcessIdentity } from '../../../system/process-identity.ts';

/** Registers a process to kill at exit; returns the function that unregisters it. */
export function trackProcess(identity: ProcessIdentity): () => void {
  return cleanupOnExit(() => {
    killIdentified(identity);
  }, { process: identity });
}

/** Registers a file or directory to remove at exit; returns the function that unregisters it. */
export function trackPath(path: string): () => void {
  return cleanupOnExit(() => rmSync(path, { recursive: true, force: true }), { path });
}

/** Kills the process if (and only if) the pid still names it. Returns whether it signalled. */
export function killIdentified(identity: ProcessIdentity, signal: NodeJS.Signals = 'SIGKILL'):
  boolean {
  if (identify(identity.pid)?.startTime !== identity.startTime) return false;
  return killQuietly(identity.pid, signal);
}
