/**
 * Nothing outlives a real-mode run killed with SIGKILL, when none of its own handlers can run:
 * no supervisor, no VM stand-in, no temporary directory. What the run registered for cleanup,
 * its reaper (`system/reaper.ts`) kills and removes once the run is gone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isToolCache } from '../leak-guard.ts';
import { BIN } from '../helpers/spawn-cli.ts';

const parents: string[] = [];
afterAll(() => {
  for (const parent of parents) rmSync(parent, { recursive: true, force: true });
});

/** The live processes whose environment carries `mark`. */
function marked(mark: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(mark);
    } catch {
      return false;
    }
  }).map(Number);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

const leftovers = (parent: string) => readdirSync(parent).filter((name) => !isToolCache(name));

async function until(probe: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('a SIGKILLed real-mode run leaves nothing behind', () => {
  for (const driver of ['posix', 'ofd', 'examples/lease-file-driver.ts']) {
    it(driver, async () => {
      const parent = mkdtempSync(join(tmpdir(), 'lockchart-killed-'));
      parents.push(parent);
      const mark = `LOCKCHART_KILLED_RUN=${parent}`;
      const child = spawn(process.execPath, [BIN, 'sim', '--real', '--driver', driver, '--seed', '3',
        '--steps', '1000000', '--faults', 'process-kill'], {
        env: { ...process.env, TMPDIR: parent, LOCKCHART_KILLED_RUN: parent },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<string | number | null>((resolve) =>
        child.once('exit', (code, signal) => resolve(signal ?? code)));
      try {
        // Running for real: its world directory exists, and supervisors run in it.
        let during = { processes: [] as number[], files: [] as string[] };
        await until(() => {
          during = { processes: marked(mark), files: leftovers(parent) };
          return during.files.some((name) => name.startsWith('lockchart-real-')) &&
            during.processes.filter((pid) => commandOf(pid).includes('supervisor')).length >= 2;
        }, 60_000);
        expect(during.processes.filter((pid) => commandOf(pid).includes('supervisor')).length)
          .toBeGreaterThanOrEqual(2);
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        await until(() => marked(mark).length === 0 && leftovers(parent).length === 0, 20_000);
        console.log(`${driver}: before SIGKILL`, during, 'after:',
          { processes: marked(mark), files: leftovers(parent) });
        expect(marked(mark)).toEqual([]);
        expect(leftovers(parent)).toEqual([]);
      } finally {
        child.kill('SIGKILL');
      }
    }, 120_000);
  }
});
