import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../sim/scenario/parse.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';

const DIR = 'scenarios';
const files = readdirSync(DIR).filter((file) => file.endsWith('.scenario')).sort();

describe('regression scenarios from libvirt\'s history', () => {
  it('there are at least twelve of them', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  for (const file of files) {
    it(`${file} ends as it expects`, async () => {
      const result = await runScenario(loadScenario(join(DIR, file)));
      expect(result.passed, result.message).toBe(true);
    });
  }

  it('a scenario whose expectation is wrong fails, naming what it found', async () => {
    const text = [
      'driver model', 'hosts 2', 'disks 1', 'vm web disk0:exclusive', 'expect safe',
      'start web@h0', 'complete web@h0 registerOwner', 'complete web@h0 acquireLocks',
      'fault daemon-crash h0',
    ].join('\n');
    const result = await runScenario(parseScenario(text, 'inline.scenario'));
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(/expected safe, found violated S2/);
  });

  it('a failed assertion fails the scenario with its line', async () => {
    const text = ['hosts 1', 'disks 1', 'vm web disk0:exclusive', 'expect safe', 'start web@h0',
      'assert process web@h0 running'].join('\n');
    const result = await runScenario(parseScenario(text, 'inline.scenario'));
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(/^inline\.scenario:6: assertion failed: qemu of web@h0 is paused/);
  });
});

describe('scenario file errors name the file, the line and the problem', () => {
  const cases: ReadonlyArray<[string, RegExp]> = [
    ['hosts 2\nvm a disk0:exclusive\nexpect safe\nstart a@h0\nfrobnicate', /f:5: unknown statement 'frobnicate'/],
    ['vm a disk3:exclusive\nexpect safe\nstart a@h0', /f:1: disk3 does not exist/],
    ['vm a disk0:sideways\nexpect safe\nstart a@h0', /f:1: bad mode 'sideways'/],
    ['vm a disk0:exclusive\nexpect maybe\nstart a@h0', /f:2: 'expect' takes safe/],
    ['vm a disk0:exclusive\nexpect safe\nstart b@h0', /f:3: unknown vm 'b'/],
    ['vm a disk0:exclusive\nexpect safe\nstart a@h7', /f:3: bad host 'h7'/],
    ['vm a disk0:exclusive\nexpect safe\nfault meteor a@h0', /f:3: unknown fault "meteor"/],
    ['vm a disk0:exclusive\nexpect safe\nstart a@h0\nhosts 3', /f:4: 'hosts' must come before/],
    ['vm a disk0:exclusive\nstart a@h0', /f: missing 'expect/],
    ['expect safe\nstart a@h0', /f:2: unknown vm 'a'/],
    ['vm a disk0:exclusive\nexpect safe\nstart a@h0\nassert error a@h0 OOPS', /f:4: 'assert error' takes none or an error code/],
  ];
  for (const [text, message] of cases) {
    it(`rejects ${JSON.stringify(text.split('\n').at(-1))}`, () => {
      expect(() => parseScenario(text, 'f')).toThrow(ScenarioError);
      expect(() => parseScenario(text, 'f')).toThrow(message);
    });
  }

  it('a step that is not enabled is an error naming the line and the state', async () => {
    const scenario = parseScenario('vm a disk0:exclusive\nexpect safe\nresume a@h0', 'f');
    await expect(runScenario(scenario)).rejects.toThrow(/f:3: 'resume a@h0' is not enabled here \(its domain is in shutoff/);
  });
});
