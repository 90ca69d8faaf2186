/**
 * A process with cleanups registered both directly (`system/exit-cleanup.ts`, as lockd's daemons
 * and owners are) and through the supervisor's `trackPath`, still dies of SIGINT and SIGTERM
 * after running them all. (There used to be two registries, each re-raising the signal only when
 * it was the one listener left: with both installed neither did, and the process lived on.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { identify } from '../../system/process-identity.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/cleanups.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lockchart-signal-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the last-resort cleanup on a signal', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s runs every cleanup and ends the process', async (signal) => {
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
      // The cleanups wait for what they killed: it is dead by the time the process has exited.
      const pid = Number(/^child (\d+)$/m.exec(lines.join('\n'))?.[1]);
      expect(pid).toBeGreaterThan(0);
      expect(identify(pid)).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
