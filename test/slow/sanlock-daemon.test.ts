/**
 * The private daemon manager: the start recipe, restart under the same host name, and nothing
 * outliving a run — a run ended by SIGTERM cleans up; a run ended by SIGKILL (no cleanup can
 * run) loses its daemon and the daemon's helper to the parent-death signal and its owner to the
 * closed stdin, and the next start reaps its run directory.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { processEnded } from '../../system/process-state.ts';
import { SanlockDaemon } from '../../daemons/sanlock.ts';
import { childrenOf, describeSanlock, SanlockScratch } from './sanlock-support.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/sanlock-run.ts', import.meta.url));
const scratch = new SanlockScratch();
afterAll(() => scratch.release());

interface Started {
  readonly daemon: number;
  readonly helper: number;
  readonly owner: number;
  readonly dir: string;
}

async function startRun() {
  const run = spawn(process.execPath, ['--import', 'tsx', FIXTURE],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: run.stdout! }).once('line', resolve);
    run.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
  });
  return { run, started: JSON.parse(line) as Started };
}

describeSanlock('the private sanlock daemon', () => {
  it('starts unprivileged on its own run dir, without a watchdog, and restarts in place', async () => {
    const daemon = await scratch.daemon({ hostName: 'lc-restart' });
    expect(await daemon.client.version()).toBeGreaterThanOrEqual(0x03080000);
    expect(daemon.log()).toMatch(/Using non-standard run directory/);
    expect(daemon.log()).toMatch(/Running in unprivileged mode/);
    expect(daemon.daemonArgs()).toEqual(expect.arrayContaining(['-w', '0', '-e', 'lc-restart']));
    const [first, helper] = [daemon.pid, childrenOf(daemon.pid)[0]!];
    expect(helper).toBeGreaterThan(0);
    await daemon.restart('SIGKILL');
    expect(daemon.pid).not.toBe(first);
    expect(await processEnded(helper, 5_000)).toBe(true);
    expect(await daemon.client.version()).toBeGreaterThan(0);
  });

  it('a run ended by SIGTERM leaves no daemon, helper, owner or run dir', async () => {
    const { run, started } = await startRun();
    try {
      run.kill('SIGTERM');
      await new Promise((resolve) => run.once('exit', resolve));
      for (const pid of [started.daemon, started.helper, started.owner]) {
        expect(await processEnded(pid, 5_000)).toBe(true);
      }
      expect(existsSync(started.dir)).toBe(false);
    } finally {
      run.kill('SIGKILL');
    }
  });

  it('a run ended by SIGKILL loses its daemon (parent-death signal) and the next start reaps its dir',
    async () => {
      const { run, started } = await startRun();
      try {
        run.kill('SIGKILL');
        await new Promise((resolve) => run.once('exit', resolve));
        for (const pid of [started.daemon, started.helper, started.owner]) {
          expect(await processEnded(pid, 5_000)).toBe(true);
        }
        expect(existsSync(started.dir)).toBe(true); // nothing could clean up …
        const next = await SanlockDaemon.start({ parentDir: dirname(started.dir) });
        await next.stop();
        expect(existsSync(started.dir)).toBe(false); // … until the next start
      } finally {
        run.kill('SIGKILL');
      }
    });
});
