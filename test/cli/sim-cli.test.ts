import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const oneLine = (text: string) => text.trim().split('\n').length === 1;

describe('bad input: one line, non-zero exit', () => {
  const cases: ReadonlyArray<[string[], RegExp]> = [
    [['sim', '--faults', 'meteor'], /--faults: unknown fault 'meteor' \(known: none, process-crash/],
    [['sim', '--faults', 'daemon-crash,tsunami'], /unknown fault 'tsunami'/],
    [['sim', '--seed', 'abc'], /--seed must be an unsigned 32-bit integer/],
    [['sim', '--seed', '-3'], /--seed|option '--seed' argument missing/],
    [['sim', '--seed', '99999999999'], /--seed must be an unsigned 32-bit integer/],
    [['sim', '--steps', '0'], /--steps must be an integer from 1/],
    [['sim', '--shape', '2x2'], /--shape must be HOSTSxVMSxDISKS/],
    [['sim', '--driver', 'zfs'], /unknown driver 'zfs' \(built in: nop, model/],
    [['sim', '--driver', 'test/fixtures/not-a-driver.ts'], /is not a lockchart driver model: missing function 'initial'/],
    [['sim', '--driver', 'test/fixtures/async-driver.ts'], /exports a LockDriver object: export a factory 'createDriver\(\)'.*'model'/],
    [['sim', '--driver', 'test/fixtures/broken-module.ts'], /cannot load driver module .*broken on purpose/],
    [['sim', '--driver', 'test/fixtures/none.ts'], /cannot load driver module/],
    [['sim', '--bogus'], /sim: Unknown option '--bogus'/],
    [['matrix', '--faults', 'none,meteor'], /--faults: unknown fault 'meteor'/],
    [['matrix', '--shard', '3/2'], /--shard must be i\/n/],
    [['replay'], /replay: which trace\?/],
    [['replay', 'nowhere.jsonl'], /nowhere\.jsonl: cannot read trace \(ENOENT\)/],
    [['scenario', 'nowhere.scenario'], /nowhere\.scenario: cannot read scenario/],
    [['merge', 'package.json'], /not a lockchart matrix report/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [argv, message] of cases) {
    it(`lockchart ${argv.join(' ')}`, async () => {
      const { code, err } = await cli(...argv);
      expect(code).not.toBe(0);
      expect(err).toMatch(message);
      expect(oneLine(err)).toBe(true);
    });
  }

  it('a malformed scenario names file and line', async () => {
    const path = join(dir, 'bad.scenario');
    writeFileSync(path, 'vm a disk0:exclusive\nexpect safe\nstart a@h0\nlaunch a@h0\n');
    const { code, err } = await cli('scenario', path);
    expect(code).toBe(2);
    expect(err).toContain(`${path}:4: unknown statement 'launch'`);
  });

  it('a malformed trace names file and line', async () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, '{"type":"header"}\n');
    const { code, err } = await cli('replay', path);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`${path}:1: bad header`));
  });
});

describe('lockchart matrix progress', () => {
  it('says when a real cell is safe but reality differed from the model', async () => {
    // ofd loses a host's locks when libvirtd restarts (by design): seed 1 meets it at step 19.
    const run = await cli('matrix', '--drivers', 'ofd', '--faults', 'libvirtd-restart',
      '--traces', join(dir, 'matrix-traces'));
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/^matrix 1\/1 ofd × libvirtd-restart: safe, 1 real-mode finding\(s\)$/m);
    expect(run.out).toMatch(/ofd +libvirtd-restart +FINDING/);
  });
});

describe('lockchart sim, replay and shrink', () => {
  it('runs a user driver module, writes a trace, replays and shrinks it', async () => {
    const trace = join(dir, 'user.jsonl');
    const run = await cli('sim', '--driver', 'test/fixtures/user-model.ts', '--faults', 'daemon-crash',
      '--seed', '3', '--trace', trace);
    expect(run.code).toBe(129);
    expect(run.out).toMatch(/SEED=3 driver=my-lockd faults=daemon-crash/);
    expect(run.out).toMatch(/VIOLATED S2/);
    const replay = await cli('replay', trace, '--driver', 'test/fixtures/user-model.ts');
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/every world digest matches/);
    const out = join(dir, 'user.min.jsonl');
    const shrink = await cli('shrink', trace, '-o', out, '--driver', 'test/fixtures/user-model.ts');
    expect(shrink.code).toBe(0);
    expect(shrink.out).toMatch(/S2 run-holds-locks: \d+ → [1-9] steps/);
    expect((await cli('replay', out, '--driver', 'test/fixtures/user-model.ts')).code).toBe(0);
  });

  it('Ctrl-C or a kill mid-run leaves a replayable prefix', async () => {
    const trace = join(dir, 'killed.jsonl');
    const child = spawn(process.execPath, ['bin/lockchart.mjs', 'sim', '--steps', '10000000',
      '--faults', 'daemon-reexec', '--trace', trace], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let early = false;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        early = child.exitCode !== null;
        if (early || (existsSync(trace) && readFileSync(trace, 'utf8').split('\n').length > 2000)) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    expect(early, 'the run ended before it could be killed').toBe(false);
    child.kill('SIGKILL');
    await exited;
    const replay = spawnSync(process.execPath, ['bin/lockchart.mjs', 'replay', trace], { encoding: 'utf8' });
    expect(replay.status).toBe(0);
    expect(replay.stdout).toMatch(/replayed \d{4,} steps/);
    expect(replay.stdout).toMatch(/no end record/);
  });
});
