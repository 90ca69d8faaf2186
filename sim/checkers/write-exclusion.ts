/**
 * S3 — no two live processes write one exclusive disk (the real goal).
 * Verifies: at every write, judged from the disk's own write log, no other process that wrote
 * the same physical disk has been running ever since, unless both use it shared.
 * Does not verify: grants or beliefs at all — only effects; writes of processes that stopped
 * running in between (a paused or dead writer no longer counts).
 */
import { placeOf, type Checker } from './checker.ts';

export const writeExclusion: Checker = {
  id: 'S3',
  name: 'write-exclusion',
  kind: 'safety',
  verifies: 'no two running processes write one disk unless both use it shared',
  doesNotVerify: 'locks or beliefs: only the disks\' write logs',
  applies: () => true,
  check({ before, after, step }) {
    if (step.kind !== 'write') return null;
    const writes = after.disks[step.disk]!.liveWriters;
    const mine = writes[writes.length - 1]!;
    for (const other of before.disks[step.disk]!.liveWriters) {
      if (other.pid === mine.pid) continue;
      if (other.mode === 'shared' && mine.mode === 'shared') continue;
      return `disk${step.disk} written by pid ${other.pid} (${placeOf(after, other.vm, other.host)}, ` +
        `${other.mode}) and pid ${mine.pid} (${placeOf(after, mine.vm, mine.host)}, ${mine.mode}) ` +
        'while both run';
    }
    return null;
  },
};
