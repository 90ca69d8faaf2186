/**
 * Every output path (`--trace`, `-o`, `--out`, `--traces`, `--inspect FILE`) is checked before
 * any work starts: one line and exit 2 for a missing directory, a directory, a file under
 * /proc, /dev/full, a path under a file, an unwritable directory; no command overwrites its own
 * input without --overwrite; `matrix --traces /proc/x` does not hang.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { BIN, lockchart } from '../helpers/spawn-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-outputs-'));
const trace = join(dir, 'seed3.jsonl');
const scenario = join(dir, 'one.scenario');
const aFile = join(dir, 'a-file');
const nobodyTmp = join(dir, 'tmp-nobody');
afterAll(() => {
  chmodSync(join(dir, 'locked'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  expect((await cli('sim', '--seed', '3', '--steps', '200', '--faults', 'daemon-crash',
    '--trace', trace)).code).toBe(129);
  writeFileSync(scenario, 'vm a disk0:exclusive\nexpect safe\nstart a@h0\n');
  writeFileSync(aFile, 'x');
  mkdirSync(join(dir, 'locked'));
  chmodSync(join(dir, 'locked'), 0o555);
  // Root may write any directory: the unwritable case runs as nobody, who must reach the files
  // (the run's private TMPDIR lets others pass through, not list) and needs a TMPDIR of its own.
  mkdirSync(nobodyTmp);
  chmodSync(nobodyTmp, 0o1777);
  if (isRoot) {
    chmodSync(tmpdir(), statSync(tmpdir()).mode | 0o011);
    chmodSync(dir, 0o755);
  }
});

const isRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

/** Whether a user with only the "others" bits can read `file` (every directory above it passable). */
function othersCanRead(file: string): boolean {
  if ((statSync(file).mode & 0o004) === 0) return false;
  for (let at = dirname(file); ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (at === dirname(at)) return true;
  }
}

/** How the unwritable-directory cases run: in this process, as nobody in a child, or not at all. */
const unwritableCases = !isRoot ? 'here' : othersCanRead(BIN) ? 'as nobody' : 'skipped';

/**
 * The command, in this process; where the case needs a user other than root and this is root,
 * as nobody in a child (`bin/lockchart.mjs`).
 */
async function runAs(argv: string[], asNonRoot: boolean) {
  if (!(asNonRoot && isRoot)) return cli(...argv);
  const child = await lockchart(argv, { user: NOBODY, env: { TMPDIR: nobodyTmp } });
  return { code: child.code, out: child.out, err: child.err };
}

/** Each command with its output flag; PATH is replaced by the bad path. */
const COMMANDS: ReadonlyArray<[string, (path: string) => string[]]> = [
  ['sim --trace', (path) => ['sim', '--steps', '50', '--trace', path]],
  ['sim --inspect', (path) => ['sim', '--steps', '50', '--inspect', path]],
  ['explore --trace', (path) => ['explore', '--domains', '1', '--disks', '1', '--trace', path]],
  ['report -o', (path) => ['report', trace, '-o', path]],
  ['shrink -o', (path) => ['shrink', trace, '-o', path]],
  ['scenario --trace', (path) => ['scenario', scenario, '--trace', path]],
  ['replay --real --trace', (path) => ['replay', '--real', 'ofd', trace, '--trace', path]],
  ['diagram -o', (path) => ['diagram', 'domain', '-o', path]],
  ['matrix --out', (path) => ['matrix', '--drivers', 'nop', '--faults', 'none', '--seeds', '1',
    '--steps', '10', '--traces', join(nobodyTmp, 'traces'), '--out', path]],
  ['matrix --traces', (path) => ['matrix', '--drivers', 'nop', '--faults', 'none', '--seeds', '1',
    '--steps', '10', '--traces', path]],
];

const BAD: ReadonlyArray<[string, () => string, RegExp, boolean?]> = [
  ['a missing directory', () => join(dir, 'no/such/dir/out'), /does not exist|is not a directory|not writable/],
  ['a directory', () => dir, /is a directory|is not a directory|not writable/],
  ['a file under /proc', () => '/proc/lockchart-out', /on procfs, a kernel filesystem/],
  ['/dev/full', () => '/dev/full', /is not a regular file|is not a directory/],
  ['a path under a file', () => join(aFile, 'out'), /is not a directory/],
  ['an unwritable directory', () => join(dir, 'locked', 'out'), /is not writable \(EACCES\)/, true],
];

describe('bad output paths: one line, exit 2, before any work', () => {
  for (const [command, argv] of COMMANDS) {
    for (const [what, path, message, needsNonRoot] of BAD) {
      const flag = command.split(' ').pop()!;
      // matrix --traces takes a directory, made if missing: both are fine places for traces.
      if (flag === '--traces' && (what === 'a directory' || what === 'a missing directory')) continue;
      if (needsNonRoot && unwritableCases === 'skipped') continue;
      it(`${command} ${what}${needsNonRoot && isRoot ? ' (as nobody)' : ''}`, async () => {
        const run = await runAs(argv(path()), needsNonRoot === true);
        expect(run.err.trim()).toMatch(new RegExp(`^lockchart: ${flag} ${path().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
        expect(run.err.trim()).toMatch(message);
        expect(run.err.trim().split('\n')).toHaveLength(1);
        expect(run.out).toBe('');
        expect(run.code).toBe(2);
      });
    }
  }
  if (unwritableCases === 'skipped') {
    console.warn('skipping the unwritable-directory cases: root may write any directory, and ' +
      `nobody cannot read ${BIN} to run them as another user`);
    it.skip('(unwritable directories: root writes them, and nobody cannot reach the checkout)', () => {});
  }
});

describe('matrix --traces under /proc', () => {
  it('is refused at once, not a hang in a recursive mkdir on procfs', async () => {
    let timedOut = false;
    const run = await lockchart(['matrix', '--drivers', 'nop', '--faults', 'none,daemon-crash',
      '--seeds', '2', '--steps', '200', '--traces', '/proc/lockchart-traces/x'], {
      started: (child) => {
        setTimeout(() => {
          timedOut = child.exitCode === null;
          child.kill('SIGKILL');
        }, 20_000).unref();
      },
    });
    expect(timedOut).toBe(false);
    expect(run.err.trim()).toMatch(/^lockchart: --traces \/proc\/lockchart-traces\/x: \/proc is on procfs/);
    expect(run.code).toBe(2);
  }, 30_000);
});

describe('a command does not overwrite its own input', () => {
  it('report T -o T', async () => {
    const run = await cli('report', trace, '-o', trace);
    expect(run.err.trim()).toBe(`lockchart: -o ${trace}: is this command's own input; pass ` +
      '--overwrite to replace it');
    expect(run.code).toBe(2);
  });

  it('shrink T -o T, then with --overwrite', async () => {
    const copy = join(dir, 'copy.jsonl');
    writeFileSync(copy, readFileSync(trace));
    const refused = await cli('shrink', copy, '-o', copy);
    expect(refused.err).toMatch(/-o .*copy\.jsonl: is this command's own input; pass --overwrite/);
    expect(refused.code).toBe(2);
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(trace, 'utf8'));
    const allowed = await cli('shrink', copy, '-o', copy, '--overwrite');
    expect(allowed.code).toBe(0);
    expect(readFileSync(copy, 'utf8').split('\n').length)
      .toBeLessThan(readFileSync(trace, 'utf8').split('\n').length);
  });

  it('scenario F --trace F', async () => {
    const run = await cli('scenario', scenario, '--trace', scenario);
    expect(run.err).toMatch(/--trace .*one\.scenario: is this command's own input/);
    expect(run.code).toBe(2);
    expect(readFileSync(scenario, 'utf8')).toMatch(/^vm a/);
  });
});
