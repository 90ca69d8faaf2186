/**
 * The warm pool of lockd owner processes, with no daemon (a pooled owner has not connected yet):
 * it keeps its size, hands out live owners at normal priority, and leaves no process behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processEnded } from '../../system/process-state.ts';
import type { OwnerProcess } from '../../drivers/lockd/owner.ts';
import { bundleOwnerProgram } from '../../real/lockd/owner-entry.ts';
import { OwnerPool, SpawnGate } from '../../real/lockd/owner-pool.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-pool-test-'));
const taken: OwnerProcess[] = [];
afterAll(async () => {
  await Promise.all(taken.map((owner) => owner.kill()));
  rmSync(dir, { recursive: true, force: true });
});

/** This process's children that have not ended (zombies not counted). */
function livingChildren(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).flatMap((entry) => {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(ppid) === process.pid && state !== 'Z' ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

/** Field 19 of /proc/PID/stat: the nice value. */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('the lockd owner pool', () => {
  it('starts owners ahead, hands them out, refills, and kills the rest on close', async () => {
    const entry = await bundleOwnerProgram(dir);
    expect(entry).toMatch(/lockd-owner\.mjs$/);
    const pool = new OwnerPool({ socket: join(dir, 'no-daemon-sock') },
      { cwd: dir, ...(entry ? { entry } : {}) }, new SpawnGate(2), 2);
    await pool.warm();
    const first = await pool.take();
    taken.push(first);
    expect(first.alive).toBe(true);
    expect(niceOf(first.pid)).toBe(0);
    const second = await pool.take();
    const third = await pool.take(); // the pool refills behind the first two
    taken.push(second, third);
    expect(new Set([first.pid, second.pid, third.pid]).size).toBe(3);
    // A refill may still be starting: close waits for it, then kills everything it holds.
    await pool.close();
    await expect(pool.take()).rejects.toThrow(/closed/);
    for (const owner of taken) expect(owner.alive).toBe(true);
    expect(livingChildren().sort()).toEqual(taken.map((owner) => owner.pid).sort());
  });

  it('leaves no owner running once its users and the pool are done', async () => {
    const pool = new OwnerPool({ socket: join(dir, 'no-daemon-sock') }, { cwd: dir },
      new SpawnGate(1), 1);
    await pool.warm();
    const owner = await pool.take();
    await pool.close();
    await owner.kill();
    expect(await processEnded(owner.pid, 2_000)).toBe(true);
  });
});
