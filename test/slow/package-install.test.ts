/**
 * The package a user installs (issue 17, item 10): `npm pack` (which builds `dist/` through
 * `prepack`), the tarball installed into an empty project outside the repository, and then what
 * a user does with it: `npx lockchart matrix` and the other commands, `import … from 'lockchart'`
 * with its types. The installed tree holds none of lockchart's devDependencies and no tsx, so
 * whatever runs here runs on the compiled JavaScript alone; a TypeScript plugin asks for tsx in
 * one line, and works once the user installs it.
 *
 * Installing needs the registry's packages: `--prefer-offline` takes them from npm's cache,
 * which `npm ci` of this checkout filled, so no network is needed where the tests run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIRTLOCKD_BINARY } from '../../daemons/virtlockd.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string; version: string; devDependencies: Record<string, string>;
};
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

const dir = mkdtempSync(join(tmpdir(), 'lockchart-install-'));
const project = join(dir, 'project');
const running = new Set<ChildProcess>();

interface Run { readonly code: number | null; readonly out: string; readonly err: string }

/**
 * The environment of a user's shell: none of the npm_* variables that `npm run test:slow` sets
 * (npm_config_local_prefix would point npx back at this checkout).
 */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) =>
    !/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS'));
}

function run(command: string, args: readonly string[], cwd = project): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Its own process group: npx runs lockchart as a grandchild, and the clean-up (a timeout)
    // must reach it and whatever it started.
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'],
      detached: true });
    running.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, out, err });
    });
  });
}

/** `npx lockchart …` in the project, as a user types it (`--no`: never fetch it from the registry). */
const lockchart = (...args: string[]) => run('npx', ['--no', 'lockchart', ...args]);
const npm = (...args: string[]) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline']);

afterAll(() => {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); // the group it leads
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

let tarball = '';

beforeAll(async () => {
  const packed = await run('npm', ['pack', '--pack-destination', dir], REPO);
  expect(packed.code, packed.err).toBe(0);
  tarball = join(dir, `${MANIFEST.name}-${MANIFEST.version}.tgz`);
  expect(existsSync(tarball)).toBe(true);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'),
    JSON.stringify({ name: 'uses-lockchart', version: '1.0.0', private: true, type: 'module' }));
  const installed = await npm('install', tarball);
  expect(installed.code, installed.err).toBe(0);
}, 240_000);

describe('the package, installed from its tarball into an empty project', () => {
  it('holds none of the devDependencies, and no tsx', () => {
    const present = readdirSync(join(project, 'node_modules'));
    const dev = Object.keys(MANIFEST.devDependencies).filter((name) =>
      existsSync(join(project, 'node_modules', name)));
    expect(dev).toEqual([]);
    expect(present).not.toContain('tsx');
    expect(present).toContain('lockchart');
    // Compiled: the package holds declarations, not one TypeScript source to run.
    const installed = join(project, 'node_modules/lockchart');
    const sources = (readdirSync(installed, { recursive: true }) as string[])
      .filter((file) => /\.[cm]?ts$/.test(file) && !/\.d\.[cm]?ts$/.test(file));
    expect(sources).toEqual([]);
    expect(existsSync(join(installed, 'dist/api/index.d.ts'))).toBe(true);
  });

  it('npx lockchart matrix: the safety matrix, real cells included', async () => {
    // The embedded models and the kernel-lock drivers (virtlockd's real cells are many and slow:
    // the installed lockd driver runs below).
    const matrix = await lockchart('matrix', '--drivers', 'nop,model,ofd,posix', '--faults',
      'none,process-kill', '--seeds', '4', '--steps', '300', '--json');
    expect(matrix.code, matrix.err).toBe(0);
    const cells = JSON.parse(matrix.out) as Array<{ driver: string; fault: string; verdict: string;
      detail: { real?: boolean } }>;
    const cell = (driver: string, fault: string) =>
      cells.find((c) => c.driver === driver && c.fault === fault);
    expect(cell('nop', 'none')?.verdict).toBe('violated'); // libvirt's default locks nothing
    expect(cell('model', 'none')?.verdict).toBe('safe');
    // The real kernel-lock drivers ran: supervisor programs, owner processes, files, locks.
    expect(cell('ofd', 'none')).toMatchObject({ verdict: 'safe', detail: { real: true } });
    expect(cell('posix', 'none')).toMatchObject({ verdict: 'safe', detail: { real: true } });
  });

  const lockd = existsSync(VIRTLOCKD_BINARY) ? null : `${VIRTLOCKD_BINARY} is not installed`;
  if (lockd !== null && process.env['CI'] !== 'true') console.warn(`skipping the lockd run: ${lockd}`);
  it.skipIf(lockd !== null && process.env['CI'] !== 'true')(
    'sim --real --driver lockd: the real virtlockd, owner processes started from dist/', async () => {
      const real = await lockchart('sim', '--real', '--driver', 'lockd', '--seed', '2', '--steps', '60');
      expect(real.err, real.err).not.toMatch(/^lockchart: /m);
      expect(real.out).toMatch(/real mode: driver=lockd checked against model 'model-lockd'/);
      expect(real.out).toMatch(/findings: none/);
    }, 180_000);

  it('sim, replay, report (the HTML file), shrink and diagram', async () => {
    const trace = join(project, 'run.jsonl');
    const sim = await lockchart('sim', '--driver', 'nop', '--seed', '1', '--trace', trace);
    expect(sim.code).toBe(129);
    expect(sim.out).toMatch(/VIOLATED S3/);
    const replay = await lockchart('replay', trace);
    expect(replay.code, replay.err).not.toBe(2);
    expect(replay.out).toMatch(/every world digest matches/);
    const report = await lockchart('report', trace, '-o', join(project, 'run.html'));
    expect(report.code, report.err).toBe(0);
    const html = readFileSync(join(project, 'run.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: its client files are inlined
    const shrunk = await lockchart('shrink', trace, '-o', join(project, 'min.jsonl'));
    expect(shrunk.code, shrunk.err).not.toBe(2);
    expect(existsSync(join(project, 'min.jsonl'))).toBe(true);
    const svg = await lockchart('diagram', 'domain', '--format', 'svg');
    expect(svg.code, svg.err).toBe(0);
    expect(svg.out).toMatch(/<svg/);
  });

  it('conform: the posix driver with real files and owner processes; the shipped scenarios', async () => {
    const conform = await lockchart('conform', '--driver', 'posix');
    expect(conform.code, conform.out + conform.err).toBe(0);
    expect(conform.out).toMatch(/all checks passed/);
    const scenarios = join(project, 'node_modules/lockchart/scenarios');
    const files = readdirSync(scenarios).filter((name) => name.endsWith('.scenario'))
      .map((name) => join(scenarios, name));
    expect(files.length).toBeGreaterThan(0);
    const scenario = await lockchart('scenario', ...files);
    expect(scenario.code, scenario.out + scenario.err).toBe(0);
    expect(scenario.out).not.toMatch(/^FAIL/m);
  });

  it("import { createLockManager } from 'lockchart' runs, and its types are checked", async () => {
    const body = [
      "import { createLockManager, createModelDriver, LockError, ResourceType, type LockDriver } from 'lockchart';",
      'const driver: LockDriver = createModelDriver();',
      'const manager = await createLockManager(driver);',
      "await manager.setParameter('id', 1);",
      "await manager.setParameter('uuid', 'c7a5fdbd-cdaf-9455-926a-d65c16db1809');",
      "await manager.setParameter('name', 'vm1');",
      'const pid: number = await manager.start();',
      "await manager.acquireResource(ResourceType.DISK, '/var/lib/libvirt/images/vm1.img', 0);",
      // Were the declarations missing or `any`, this line would not be an error, and tsc fails.
      '// @ts-expect-error a disk path is a string',
      'await manager.acquireResource(ResourceType.DISK, 42, 0);',
      "console.log(JSON.stringify({ started: typeof pid, lockError: LockError.name }));",
    ].join('\n');
    writeFileSync(join(project, 'use.ts'), body);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022',
        strict: true, noEmit: true, typeRoots: [join(REPO, 'node_modules/@types')], types: ['node'] },
      files: ['use.ts'],
    }));
    const typed = await run(process.execPath, [TSC, '-p', project]);
    expect(typed.code, typed.out).toBe(0);
    // The same program as JavaScript, run by plain node: the package's `exports`.
    writeFileSync(join(project, 'use.mjs'), body.replace(', type LockDriver', '')
      .replace(': LockDriver', '').replace(': number', '').replace(/\/\/ @ts-expect-error.*\n.*\n/, ''));
    const used = await run(process.execPath, ['use.mjs']);
    expect(used.code, used.err).toBe(0);
    expect(JSON.parse(used.out)).toEqual({ started: 'number', lockError: 'LockError' });
  });

  it('a TypeScript plugin asks for tsx in one line, and runs once tsx is installed', async () => {
    // The example plugin, written as a user of the package writes it: imports from 'lockchart'.
    const source = readFileSync(join(REPO, 'examples/atomic-table-model.ts'), 'utf8')
      .replace(/'\.\.\/contract\/[\w-]+\.ts'/g, "'lockchart'");
    writeFileSync(join(project, 'atomic.ts'), source);
    const without = await lockchart('sim', '--driver', './atomic.ts', '--seed', '3');
    expect(without.code).toBe(2);
    expect(without.err.trim().split('\n')).toHaveLength(1);
    expect(without.err).toMatch(/atomic\.ts.*needs tsx.*npm install tsx/);
    const added = await npm('install', 'tsx');
    expect(added.code, added.err).toBe(0);
    const withTsx = await lockchart('sim', '--driver', './atomic.ts', '--seed', '3', '--faults',
      'daemon-crash');
    expect(withTsx.err).not.toMatch(/lockchart: /);
    expect([0, 128, 129]).toContain(withTsx.code);
    expect(withTsx.out).toMatch(/SEED=3 driver=atomic/);
  });
});
