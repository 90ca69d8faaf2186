/**
 * Data never runs code: a trace header or a scenario's `driver` line that names a module path
 * is not imported by replay, report, shrink or scenario; only `--driver PATH` loads a module.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { REPO } from '../helpers/spawn-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-data-'));
const marker = join(dir, 'the-module-ran');
const evil = join(dir, 'evil.ts');
const trace = join(dir, 'crafted.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  // A module that leaves a mark when anything imports it.
  writeFileSync(evil, `import { writeFileSync } from 'node:fs';
import { lockdModel } from '${REPO}drivers/model/lockd-model.ts';
writeFileSync(${JSON.stringify(marker)}, 'imported');
export const model = { ...lockdModel, name: 'evil' };\n`);
  const made = join(dir, 'made.jsonl');
  expect((await cli('sim', '--seed', '3', '--steps', '200', '--faults', 'daemon-crash',
    '--trace', made)).code).toBe(129);
  // The same trace, its header naming the module's path as its driver.
  writeFileSync(trace, readFileSync(made, 'utf8').replace('"driver":"model"',
    `"driver":${JSON.stringify(evil)}`));
});

describe('a file that names a module path does not run it', () => {
  const commands: ReadonlyArray<[string, () => string[]]> = [
    ['replay', () => ['replay', trace]],
    ['replay --timeline', () => ['replay', trace, '--timeline']],
    ['report', () => ['report', trace, '-o', join(dir, 'r.html')]],
    ['shrink', () => ['shrink', trace, '-o', join(dir, 's.jsonl')]],
  ];
  for (const [name, argv] of commands) {
    it(`${name}: one line naming the flag, and the module never ran`, async () => {
      const run = await cli(...argv());
      expect(run.err.trim()).toBe(`lockchart: the trace ${trace} names driver '${evil}', which ` +
        'is not built in; lockchart runs a module only when you name it on the command line: ' +
        'pass --driver PATH');
      expect(run.code).toBe(2);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it("scenario: a 'driver' line naming a module", async () => {
    const scenario = join(dir, 'evil.scenario');
    writeFileSync(scenario, `driver ${evil}\nvm a disk0:exclusive\nexpect safe\nstart a@h0\n`);
    const run = await cli('scenario', scenario);
    expect(run.err.trim()).toBe(`lockchart: ${scenario}:1: the scenario names driver '${evil}', ` +
      'which is not built in; lockchart runs a module only when you name it on the command ' +
      'line: pass --driver PATH');
    expect(run.code).toBe(2);
    expect(existsSync(marker)).toBe(false);
  });

  it('--driver PATH, typed by the user, does load it', async () => {
    const scenario = join(dir, 'named.scenario');
    writeFileSync(scenario, 'driver evil\nvm a disk0:exclusive\nexpect safe\nstart a@h0\n');
    const run = await cli('scenario', scenario, '--driver', evil);
    expect(run.out).toMatch(/^PASS/);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
  });
});
