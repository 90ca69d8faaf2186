/**
 * Loading a plugin module: from anywhere, as the user runs lockchart (Node's own loader through
 * `bin/lockchart.mjs`), and every way a module can be wrong, each one line and exit 2.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { lockchart, REPO } from '../helpers/spawn-cli.ts';

// Outside the repository, with no package.json anywhere above it.
const dir = mkdtempSync(join(tmpdir(), 'lockchart-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plugin(name: string, source: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, source.replaceAll('LOCKCHART/', REPO));
  return path;
}

const MODEL_PLUGIN = `
import { lockdModel } from 'LOCKCHART/drivers/model/lockd-model.ts';
import { suffix } from './helper.ts';
export const model = { ...lockdModel, name: 'home-' + suffix, summary: 'a plugin in a home directory' };
`;

const oneLine = (text: string) => text.trim().split('\n').length === 1;

describe('a .ts plugin outside the repository', () => {
  it('loads with no package.json near it, its own relative imports too', async () => {
    plugin('home/helper.ts', "export const suffix: string = 'lockd';\n");
    const path = plugin('home/my-driver.ts', MODEL_PLUGIN);
    const run = await lockchart(['sim', '--driver', path, '--steps', '200', '--seed', '2']);
    expect(run.err).toBe('');
    expect(run.out).toMatch(/^SEED=2 driver=home-lockd /);
    expect([0, 128]).toContain(run.code);
  }, 60_000);

  it('a LockDriver plugin there passes conform', async () => {
    const path = plugin('home2/lease.ts', (await import('node:fs')).readFileSync(
      join(REPO, 'examples/lease-file-driver.ts'), 'utf8').replaceAll("'../", "'LOCKCHART/"));
    const run = await lockchart(['conform', '--driver', path]);
    expect(run.out).toMatch(/all checks passed/);
    expect(run.code).toBe(0);
  }, 60_000);
});

describe('a module that is not a plugin: one line, exit 2', () => {
  const cases: ReadonlyArray<[string, string, string[], RegExp]> = [
    ['cjs-exports.ts', "module.exports = { model: { name: 'x' } };\n", ['sim'],
      /is a CommonJS module \(it assigns module\.exports\); lockchart plugins are ES modules/],
    ['cjs-require.js', "const p = require('node:path');\nexports.model = p;\n", ['sim'],
      /is a CommonJS module \(it assigns exports\.NAME\)/],
    ['plain.cjs', 'module.exports = {};\n', ['sim'], /is a CommonJS module \(a \.cjs file\)/],
    ['nothing.ts', 'export const answer = 42;\n', ['sim'],
      /exports neither 'model' \(a service model\) nor 'createDriver' \(a LockDriver factory\); it exports answer/],
    ['object.ts', `import { createModelDriver } from 'LOCKCHART/drivers/model/driver.ts';
export const driver = createModelDriver();\n`, ['conform'],
      /exports a LockDriver object: export a factory 'createDriver\(\)'/],
    ['no-inquire.ts', `import { createModelDriver } from 'LOCKCHART/drivers/model/driver.ts';
export function createDriver() { const { inquire, ...rest } = createModelDriver(); void inquire; return rest; }\n`,
      ['conform'], /createDriver\(\) returned no lock driver: missing 'inquire' field/],
    ['factory-throws.ts', "export function createDriver() { throw new Error('no disks'); }\n", ['conform'],
      /createDriver\(\) threw Error: no disks/],
    ['bad-reference.ts', `import { createModelDriver } from 'LOCKCHART/drivers/model/driver.ts';
export const reference = 'model-dlm';
export function createDriver() { return { ...createModelDriver(), name: 'ref' }; }\n`, ['conform'],
      /'reference' names no built-in model 'model-dlm' \(built-in models: nop, model, /],
    ['relative-config.ts', `import { lockdModel } from 'LOCKCHART/drivers/model/lockd-model.ts';
export const model = { ...lockdModel, name: 'rel' };
export const config = { file_lockspace_dir: 'var/lockd' };\n`, ['sim'],
      /config: 'file_lockspace_dir' must be an absolute path, got 'var\/lockd'/],
    ['builtin-name.ts', `import { lockdModel } from 'LOCKCHART/drivers/model/lockd-model.ts';
export const model = lockdModel;\n`, ['sim'], /its driver is named 'model', the name of a built-in driver/],
    ['async-model.ts', `import { lockdModel } from 'LOCKCHART/drivers/model/lockd-model.ts';
export const model = { ...lockdModel, name: 'slow', async acquire(s, r) { return lockdModel.acquire(s, r); } };\n`,
      ['sim'], /function 'acquire' is async: a service model is synchronous/],
    ['driver-only.ts', `import { createModelDriver } from 'LOCKCHART/drivers/model/driver.ts';
export const reference = 'model';
export function createDriver() { return { ...createModelDriver(), name: 'only' }; }\n`, ['sim'],
      /driver 'only' has no service model for the simulator: it exports 'createDriver' but no 'model'; run it in real mode/],
    ['model-only.ts', `import { lockdModel } from 'LOCKCHART/drivers/model/lockd-model.ts';
export const model = { ...lockdModel, name: 'modelonly' };\n`, ['sim', '--real'],
      /real mode needs a LockDriver and 'modelonly' \(.*model-only\.ts\) exports no 'createDriver'/],
  ];
  for (const [name, source, command, message] of cases) {
    it(`${name} (${command.join(' ')})`, async () => {
      const path = plugin(`bad/${name}`, source);
      const run = await cli(...command, '--driver', path);
      expect(run.err).toMatch(message);
      expect(oneLine(run.err)).toBe(true);
      expect(run.code).toBe(2);
    });
  }

  it('a package.json saying "type": "commonjs" makes a .ts file CommonJS, and says so', async () => {
    plugin('commonjs/package.json', '{ "type": "commonjs" }\n');
    const path = plugin('commonjs/plugin.ts', 'export const model = {};\n');
    const run = await lockchart(['sim', '--driver', path]);
    expect(run.err).toMatch(/is a CommonJS module \(its package\.json says "type": "commonjs"\)/);
    expect(run.code).toBe(2);
  }, 30_000);
});
