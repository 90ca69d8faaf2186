/**
 * Runs the installed entry (`bin/lockchart.mjs`) in a child process: what a user runs, with
 * Node's own module loader (the in-process helper `cli.ts` runs under vitest's instead). Needed
 * where the loader itself is under test (plugins outside the repository, CommonJS), and for
 * signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/lockchart.mjs', import.meta.url));

export interface SpawnedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the child runs, e.g. to signal it later. */
  readonly started?: (child: ChildProcess) => void;
  /** Run as this user and group (from root: e.g. nobody, where root would bypass a check). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

export function lockchart(args: readonly string[], options: SpawnOptions = {}): Promise<SpawnedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'], ...options.user,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
    options.started?.(child);
  });
}
