/**
 * Crafted and foreign files get a clear `file:line:` error, never a stack trace: indices out of
 * range in a step, a relative lockspace directory in a trace or a scenario, a byte-order mark or
 * a blank line in a trace; and shrink refuses a tampered trace exactly as replay does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-crafted-'));
const trace = join(dir, 'seed3.jsonl');
let lines: string[] = [];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  // Seed 3 on 2 hosts and 3 VMs: its steps include starts and hotplugs.
  expect((await cli('sim', '--seed', '3', '--steps', '400', '--trace', trace)).code).toBeLessThan(130);
  lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
});

/** The trace with line `index` (0-based) of it changed by `edit`, written to a new file. */
function crafted(name: string, edit: (record: Record<string, any>) => void, index?: (r: any) => boolean) {
  const copy = lines.slice();
  const at = index ? copy.findIndex((line) => index(JSON.parse(line))) : 1;
  expect(at).toBeGreaterThanOrEqual(0);
  const record = JSON.parse(copy[at]!);
  edit(record);
  copy[at] = JSON.stringify(record);
  const path = join(dir, name);
  writeFileSync(path, `${copy.join('\n')}\n`);
  return { path, line: at + 1 };
}

const COMMANDS = ['replay', 'shrink', 'report'];

function expectOneLine(run: { code: number; err: string }, message: RegExp) {
  expect(run.err.trim()).toMatch(message);
  expect(run.err).not.toMatch(/internal error|\n\s+at /);
  expect(run.err.trim().split('\n')).toHaveLength(1);
  expect(run.code).not.toBe(0);
}

describe('indices out of range', () => {
  const cases: ReadonlyArray<[string, (r: any) => boolean, (r: any) => void, RegExp]> = [
    ['a call step naming VM 9 of 3', (r) => r.step?.kind === 'call', (r) => { r.step.vm = 9; },
      /bad step: 'vm' 9 is out of range: the world has 3 VMs \(0…2\)/],
    ['a call step naming host 7 of 2', (r) => r.step?.kind === 'call', (r) => { r.step.host = 7; },
      /bad step: 'host' 7 is out of range: the world has 2 hosts \(0…1\)/],
    ['an attach step naming VM 12', (r) => r.step?.kind === 'attach', (r) => { r.step.vm = 12; },
      /bad step: 'vm' 12 is out of range/],
    ['an attach step naming spare 4', (r) => r.step?.kind === 'attach', (r) => { r.step.spare = 4; },
      /bad step: 'spare' 4 is out of range: the world has \d spares for VM \d/],
  ];
  for (const [what, find, edit, message] of cases) {
    for (const command of COMMANDS) {
      it(`${what}: ${command}`, async () => {
        const { path, line } = crafted(`${what.replace(/\W+/g, '-')}.jsonl`, edit, find);
        expectOneLine(await cli(command, path), new RegExp(`^lockchart: ${path}:${line}: ${message.source}`));
      });
    }
  }
});

describe('relative lockspace directories', () => {
  it('in a trace header', async () => {
    const { path } = crafted('relative.jsonl', (header) => {
      header['config'] = { file_lockspace_dir: 'var/lib/lockd' };
    }, (r) => r.type === 'header');
    for (const command of COMMANDS) {
      expectOneLine(await cli(command, path), new RegExp(`^lockchart: ${path}:1: bad header: ` +
        "'config': 'file_lockspace_dir' must be an absolute path, got 'var/lib/lockd'"));
    }
  });

  it("in a scenario's config line", async () => {
    const scenario = join(dir, 'relative.scenario');
    writeFileSync(scenario, 'scenario x\nconfig file_lockspace_dir=lockd/files\nvm a disk0:exclusive\n' +
      'expect safe\nstart a@h0\n');
    expectOneLine(await cli('scenario', scenario), new RegExp(`^lockchart: ${scenario}:2: config: ` +
      "'file_lockspace_dir' must be an absolute path, got 'lockd/files'"));
  });
});

describe('encodings and layout', () => {
  it('a UTF-8 byte-order mark', async () => {
    const path = join(dir, 'bom.jsonl');
    writeFileSync(path, `\uFEFF${lines.join('\n')}\n`);
    for (const command of COMMANDS) {
      expectOneLine(await cli(command, path),
        new RegExp(`^lockchart: ${path}:1: the file starts with a UTF-8 byte-order mark`));
    }
  });

  it('a trailing blank line', async () => {
    const path = join(dir, 'blank.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n\n`);
    for (const command of COMMANDS) {
      expectOneLine(await cli(command, path),
        new RegExp(`^lockchart: ${path}:${lines.length + 1}: blank line`));
    }
  });
});

describe('a tampered trace', () => {
  it('is refused by shrink exactly as by replay', async () => {
    const { path } = crafted('tampered.jsonl', (step) => { step['h'] = 'deadbeef'; },
      (r) => r.type === 'step' && r.i === 4);
    const replay = await cli('replay', path);
    const shrink = await cli('shrink', path, '-o', join(dir, 'tampered.min.jsonl'));
    expectOneLine(replay, /step 4 diverged: world digest [0-9a-f]{8}, the trace recorded deadbeef/);
    expect(shrink.err).toBe(replay.err);
    expect(shrink.code).toBe(replay.code);
  });
});
