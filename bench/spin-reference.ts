/**
 * SPIN's speed on the reference Promela model of virtlockd's lock table (`lockd-table.pml`),
 * measured in the same run as the explorer's so that the ratio means something on a shared box:
 * `spin -a` generates the verifier, gcc compiles it (-O2, -DSAFETY: safety only, as the explorer
 * checks) in a temp dir that is removed afterwards (also at an abnormal exit), and `pan` runs an
 * exhaustive search with the default partial-order reduction. SPIN's figure is stored states per
 * second of its own elapsed time; its CPU time comes from the shell's `times`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit } from '../system/exit-cleanup.ts';

const MODEL = fileURLToPath(new URL('./lockd-table.pml', import.meta.url));

export type SpinFigure =
  | { readonly ran: true; readonly states: number; readonly transitions: number;
    readonly seconds: number; readonly cpuSeconds: number; readonly statesPerSecond: number;
    readonly errors: number; readonly version: string }
  | { readonly ran: false; readonly reason: string };

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

function run(command: string, args: readonly string[], cwd: string): string {
  const done = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (done.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${done.status ?? done.signal}): ` +
      `${(done.stderr || done.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  }
  return done.stdout;
}

const number = (text: string, pattern: RegExp): number => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`pan's report has no ${pattern.source}`);
  return Number(match[1]);
};

const seconds = (text: string) => {
  const [minutes, rest] = text.split('m');
  return Number(minutes) * 60 + Number(rest!.replace('s', ''));
};

/** Runs SPIN on the reference model, or says why it cannot. */
export function spinReference(): SpinFigure {
  for (const tool of ['spin', 'gcc', 'bash']) {
    if (!has(tool)) return { ran: false, reason: `${tool} is not installed` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'lockchart-spin-'));
  const dispose = cleanupOnExit(() => rmSync(dir, { recursive: true, force: true }), { path: dir });
  try {
    copyFileSync(MODEL, join(dir, 'lockd-table.pml'));
    const version = run('spin', ['-V'], dir).trim();
    run('spin', ['-a', 'lockd-table.pml'], dir);
    run('gcc', ['-O2', '-DSAFETY', '-w', '-o', 'pan', 'pan.c'], dir);
    // -m: depth bound far beyond the model's; -w24: a 2^24-slot hash table (no resizing).
    const out = run('bash', ['-c', './pan -m1000000 -w24; times'], dir);
    const states = number(out, /(\d+) states, stored/);
    const elapsed = number(out, /pan: elapsed time ([\d.e+]+) seconds/);
    // `times`: the shell's user and system time, then its children's (pan's).
    const children = out.trim().split('\n').at(-1)!.trim().split(/\s+/);
    return {
      ran: true, states, version,
      transitions: number(out, /(\d+) transitions \(= stored\+matched\)/),
      seconds: elapsed,
      cpuSeconds: seconds(children[0]!) + seconds(children[1]!),
      statesPerSecond: states / Math.max(elapsed, 1e-3),
      errors: number(out, /errors: (\d+)/),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    dispose();
  }
}
