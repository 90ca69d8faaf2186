/**
 * A virtlockd started under a deep temp directory: its socket path would not fit a UNIX socket
 * address, and the start says so (CONFIG_UNSUPPORTED) instead of a daemon that "exited (1)".
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import { VirtlockdDaemon } from '../../daemons/virtlockd.ts';

it('refuses a socket path longer than a UNIX socket address holds, and leaves nothing behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lockchart-deep-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const deep = join(root, 'd'.repeat(100));
  mkdirSync(deep);
  // The check comes before anything is spawned: no binary is needed, and none may run.
  const started = VirtlockdDaemon.start({ parentDir: deep, activator: '/nonexistent/activator' });
  const error = await started.then(() => null, (reason: unknown) => reason);
  expect(isLockError(error) && error.code).toBe('CONFIG_UNSUPPORTED');
  expect(String((error as Error).message)).toMatch(/socket path .* bytes, over the 107/);
  expect(readdirSync(deep)).toEqual([]);
});
