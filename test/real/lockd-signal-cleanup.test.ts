/**
 * A process that loads both last-resort cleanups (lockd's `exit-cleanup.ts` and the supervisor's
 * `cleanup.ts`) still dies of SIGINT and SIGTERM after running both. Each used to re-raise the
 * signal only when it was the one listener left, so with both installed neither did, and the
 * process lived on with its daemons and processes already killed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/lockd-both-cleanups.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lockchart-signal-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('both cleanup registries in one process', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s runs both and ends the process', async (signal) => {
    const marker = join(dir, `${signal}.marker`);
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, marker],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, how) => resolve(how ?? code)));
    try {
      await new Promise<void>((resolve) => createInterface({ input: child.stdout! })
        .on('line', (line) => {
          lines.push(line);
          if (line === 'ready') resolve();
        }));
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(lines).toContain('lockd cleanup');
      expect(existsSync(marker)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
