/**
 * The processes below a process, read from `/proc`: how tests prove that nothing they started
 * outlives them, and how the simulator's real mode lists what a run has running.
 */
import { readdirSync } from 'node:fs';
import { parentOf } from '../../../system/process-identity.ts';

/** Every live descendant of `root` (children, grandchildren …), in no particular order. */
export function descendantsOf(root: number = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === null) continue;
    const siblings = children.get(parent) ?? [];
    siblings.push(pid);
    children.set(parent, siblings);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
