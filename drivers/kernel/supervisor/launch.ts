/**
 * How the supervisor program is run as a child process.
 *
 * Installed, lockchart is compiled JavaScript and the program is plain `node supervisor-main.js`.
 * From the sources, `node --import tsx supervisor-main.ts` works anywhere but costs ~300 ms per
 * start, most of it tsx booting its loader. Tests and the simulator's real mode start hundreds
 * of supervisors, so there the first start in a process bundles `supervisor-main.ts` once with
 * the esbuild that tsx itself runs on (no dependency of our own) into a temporary directory,
 * removed at exit, next to a copy of the stand-in; later starts are plain `node supervisor.mjs`
 * (~100 ms). The native lock modules stay outside the bundle and are found through NODE_PATH.
 * Without esbuild, or with LOCKCHART_NO_BUNDLE=1, the tsx form is used.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackPath } from './cleanup.ts';
import { ensureReaper } from '../../../system/reaper.ts';
import { COMPILED, nodeArgv, programPath } from '../../../system/program.ts';

const require = createRequire(import.meta.url);
const SUPERVISOR_MAIN = programPath(new URL('./supervisor-main.ts', import.meta.url));
const STAND_IN = fileURLToPath(new URL('./stand-in.mjs', import.meta.url));
const NATIVE_MODULES = ['fs-ext-extra-prebuilt', 'fs-native-extensions'];

/** A program to spawn: argv (program first) and the environment it needs. */
export interface ProgramCommand {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

// Run in a short-lived child: esbuild's synchronous API leaves a service process behind in the
// process that calls it, and nothing of ours may outlive its run. The child prints the bundle
// and this process writes it: a child still building when this process is killed then writes
// nothing (had it written the file, it would re-create a directory the reaper just removed).
const BUILD_SCRIPT = `
const [esbuildPath, options] = process.argv.slice(1);
const built = require(esbuildPath).buildSync({ ...JSON.parse(options), write: false });
process.stdout.write(built.outputFiles[0].text);`;

let bundled: ProgramCommand | null | undefined;

/** The command that starts the supervisor program (arguments go after it). */
export function supervisorCommand(): ProgramCommand {
  bundled ??= COMPILED || process.env['LOCKCHART_NO_BUNDLE'] === '1' ? null : bundle();
  return bundled ?? { argv: nodeArgv(SUPERVISOR_MAIN), env: process.env };
}

function bundle(): ProgramCommand | null {
  let esbuild: string;
  try {
    esbuild = createRequire(require.resolve('tsx')).resolve('esbuild');
  } catch {
    return null;
  }
  ensureReaper();
  const dir = mkdtempSync(join(tmpdir(), 'lockchart-supervisor-'));
  trackPath(dir);
  const outfile = join(dir, 'supervisor.mjs');
  const options = {
    entryPoints: [SUPERVISOR_MAIN],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: NATIVE_MODULES,
    logLevel: 'error',
  };
  try {
    const code = execFileSync(process.execPath, ['-e', BUILD_SCRIPT, esbuild, JSON.stringify(options)],
      { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
    writeFileSync(outfile, code);
  } catch {
    return null;
  }
  copyFileSync(STAND_IN, join(dir, 'stand-in.mjs'));
  // The native modules resolve from the project's node_modules, not from the bundle's directory.
  const modules = dirname(dirname(require.resolve('fs-ext-extra-prebuilt/package.json')));
  const nodePath = [modules, process.env['NODE_PATH']].filter(Boolean).join(':');
  return { argv: [process.execPath, outfile], env: { ...process.env, NODE_PATH: nodePath } };
}
