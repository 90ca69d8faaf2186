/**
 * Nothing a run starts may outlive it: a run holding a private virtlockd, an owner process and
 * a lock is ended by SIGTERM or SIGINT; its daemon, its owner and its temp dir must be gone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { processEnded } from '../../system/process-state.ts';
import { locksOnPath } from '../../system/proc-locks.ts';
import { describeVirtlockd } from './lockd-support.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/lockd-run.ts', import.meta.url));

describeVirtlockd('lockd runs clean up after themselves', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s ends the daemon and the owner and removes the dir',
    async (signal) => {
      const run = spawn(process.execPath, ['--import', 'tsx', FIXTURE],
        { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          createInterface({ input: run.stdout! }).once('line', resolve);
          run.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
        });
        const started = JSON.parse(line) as { daemon: number; owner: number; dir: string;
          disk: string };
        expect(locksOnPath(started.disk).map((lock) => lock.pid)).toEqual([started.daemon]);
        run.kill(signal);
        const exit = await new Promise<NodeJS.Signals | null>((resolve) =>
          run.once('exit', (_code, how) => resolve(how)));
        expect(exit).toBe(signal);
        expect(await processEnded(started.daemon, 5_000)).toBe(true);
        expect(await processEnded(started.owner, 5_000)).toBe(true);
        expect(existsSync(started.dir)).toBe(false);
      } finally {
        run.kill('SIGKILL');
      }
    });
});
