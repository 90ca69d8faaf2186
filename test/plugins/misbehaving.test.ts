/**
 * A user's model or driver that misbehaves when called — throws, answers garbage, answers a
 * Promise, never returns — stops the run with one line naming the function and the step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { lockchart, REPO } from '../helpers/spawn-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-misbehaving-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of virtlockd's model whose `fn` is replaced by `body` (a function expression). */
function model(name: string, fn: string, body: string): string {
  const path = join(dir, `${name}.ts`);
  writeFileSync(path, `import { lockdModel } from '${REPO}drivers/model/lockd-model.ts';
export const model = { ...lockdModel, name: '${name}', ${fn}: ${body} };\n`);
  return path;
}

const oneLine = (text: string) => text.trim().split('\n').length === 1;

describe('a model that misbehaves', () => {
  const cases: ReadonlyArray<[string, string, string, RegExp]> = [
    ['throws', 'acquire', "() => { throw new TypeError('boom'); }",
      /model function 'acquire' threw TypeError: boom at step \d+$/],
    ['garbage', 'acquire', "() => ({ ok: 'yes' })",
      /model function 'acquire' returned garbage: expected a reply with 'state', got none at step \d+$/],
    ['bad-code', 'acquire', "(s) => ({ ok: false, state: s, error: { code: 'NOPE', message: 'x' }, done: 0 })",
      /model function 'acquire' returned garbage: expected a failed reply with 'error' \{ code: a LockErrorCode, message \}/],
    ['bad-done', 'acquire', "(s) => ({ ok: false, state: s, error: { code: 'RESOURCE_BUSY', message: 'x' }, done: 7 })",
      /'done' an integer from 0 to \d, got 7 at step \d+$/],
    ['bad-grants', 'grants', '() => 42', /model function 'grants' returned garbage: expected a list of grants/],
    ['promise', 'acquire', '(s, r) => Promise.resolve(lockdModel.acquire(s, r))',
      /model function 'acquire' returned a Promise \(a service model is synchronous: is it declared async\?\) at step \d+$/],
    ['bad-initial', 'initial', '() => undefined',
      /model function 'initial' returned garbage: expected a state, got undefined at set-up|its model refuses the configuration/],
  ];
  for (const [name, fn, body, message] of cases) {
    it(`${name}: ${fn}`, async () => {
      const run = await cli('sim', '--driver', model(name, fn, body), '--seed', '1', '--steps', '500');
      expect(run.err.trim()).toMatch(message);
      expect(oneLine(run.err)).toBe(true);
      expect(run.code).toBe(2);
    });
  }

  it('never returns: the watchdog stops it within the budget, naming function and step', async () => {
    const path = model('loops', 'acquire', '() => { for (;;) { /* spin */ } }');
    const run = await lockchart(['sim', '--driver', path, '--seed', '1'],
      { env: { LOCKCHART_MODEL_BUDGET_MS: '500' } });
    expect(run.err.trim()).toMatch(/^lockchart: driver module '.*loops\.ts': model function 'acquire' did not return within 0\.5 s at step \d+ \(an endless loop\?\)$/);
    expect(oneLine(run.err)).toBe(true);
    expect(run.code).toBe(2);
  }, 60_000);

  it('never returns in a sweep: the pool stops the worker, naming function and step', async () => {
    const path = model('loops-sweep', 'release', '() => { for (;;) { /* spin */ } }');
    const run = await lockchart(['sim', '--driver', path, '--seeds', '6', '--workers', '2'],
      { env: { LOCKCHART_MODEL_BUDGET_MS: '500' } });
    const lines = run.err.trim().split('\n').filter((line) => !line.startsWith('sweep '));
    expect(lines).toEqual([expect.stringMatching(
      /^lockchart: driver module '.*loops-sweep\.ts': model function 'release' did not return within 0\.5 s at step \d+ \(an endless loop\?\)$/)]);
    expect(run.code).toBe(2);
  }, 60_000);
});

describe('a LockDriver that misbehaves in real mode', () => {
  function driver(name: string, acquire: string): string {
    const path = join(dir, `${name}.ts`);
    writeFileSync(path, `import { createDriver as lease } from '${REPO}examples/lease-file-driver.ts';
export const reference = 'model-kernel';
export function createDriver() {
  const driver = lease();
  return { ...driver, name: '${name}', acquire: ${acquire} };
}\n`);
    return path;
  }

  it('throws something that is not a LockError', async () => {
    const run = await cli('sim', '--real', '--driver',
      driver('throws-driver', "async () => { throw new RangeError('off by one'); }"), '--steps', '300');
    expect(run.err).toMatch(/^lockchart: driver module '.*throws-driver\.ts': 'acquire' threw RangeError: off by one \(a driver reports a failure as a LockError, contract\/errors\.ts\) at step \d+ \(/);
    expect(oneLine(run.err)).toBe(true);
    expect(run.code).toBe(2);
  }, 60_000);

  it('never settles: the budget ends it', async () => {
    const run = await lockchart(['sim', '--real', '--driver',
      driver('hangs-driver', '() => new Promise(() => {})'), '--steps', '300'],
    { env: { LOCKCHART_DRIVER_BUDGET_MS: '500' } });
    expect(run.err).toMatch(/'acquire' did not settle within 0\.5 s at step \d+/);
    expect(oneLine(run.err)).toBe(true);
    expect(run.code).toBe(2);
  }, 60_000);

  it('answers garbage', async () => {
    const run = await cli('sim', '--real', '--driver',
      driver('garbage-driver', "async () => 'granted'"), '--steps', '300');
    expect(run.err).toMatch(/'acquire' resolved with "granted", expected \{ fd: a descriptor or null \} at step \d+/);
    expect(run.code).toBe(2);
  }, 60_000);
});
