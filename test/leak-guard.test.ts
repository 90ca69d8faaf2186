import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { identify } from '../system/process-identity.ts';

const require = createRequire(import.meta.url);
const VITEST = join(require.resolve('vitest/package.json'), '..', 'vitest.mjs');
const CONFIG = join(import.meta.dirname, 'fixtures', 'leak-guard', 'vitest.config.ts');

it('fails a run whose tests leave a temp file or a process behind, and removes both', () => {
  const run = spawnSync(process.execPath, [VITEST, 'run', '--config', CONFIG],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  const output = run.stdout + run.stderr;
  const left = /left pid (\d+) and (\S+)/.exec(output);
  expect(left, output).not.toBeNull();
  const pid = Number(left![1]);
  expect(run.status, output).toBe(1);
  expect(output).toContain('the tests left 2 thing(s) behind');
  expect(output).toMatch(new RegExp(`process ${pid} \\(sleep 60\\)`));
  expect(output).toContain(left![2]!);
  expect(identify(pid)).toBeNull();
});
