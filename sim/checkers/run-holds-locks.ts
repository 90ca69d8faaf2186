/**
 * S2 — a running process holds all its locks.
 * Verifies: after every step, every QEMU whose vCPUs run holds a grant in the right mode on each
 * disk it may write (exclusive and shared devices; read-only ones are never locked).
 * Does not verify: paused processes (they may hold or not); who else holds grants (S1); whether
 * the process actually writes (S3).
 */
import { placeOf, type Checker } from './checker.ts';
import { heldKey, heldLocks } from './grants.ts';
import { isRunning } from '../world/actors.ts';

export const runHoldsLocks: Checker = {
  id: 'S2',
  name: 'run-holds-locks',
  kind: 'safety',
  verifies: 'every running process holds a grant in the right mode on each writable disk',
  doesNotVerify: 'paused processes, other owners, actual writes',
  applies: (ctx) => ctx.model.locks,
  check({ ctx, before, after }) {
    if (after.service === before.service && after.procs === before.procs) return null;
    let held: ReadonlySet<number> | null = null;
    for (const proc of after.procs) {
      if (!isRunning(proc)) continue;
      for (const device of proc.devices) {
        if (device.mode === 'readonly') continue;
        held ??= heldLocks(ctx, after.service);
        if (!held.has(heldKey(proc.pid, device.disk, device.mode))) {
          return `pid ${proc.pid} (${placeOf(after, proc.vm, proc.host)}) runs without its ${device.mode} ` +
            `lock on disk${device.disk} ('${device.path}')`;
        }
      }
    }
    return null;
  },
};
