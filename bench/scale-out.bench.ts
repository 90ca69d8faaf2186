/**
 * Issue 17's items 10 and 11, measured (no targets are set there): what the installable
 * package costs (`npm pack` with its build, installing the tarball into an empty project, the
 * installed size, the command's start-up compiled vs through tsx in a checkout), and what
 * scaling a sweep out costs (a sweep of seeds split into shards run one after another, against
 * the same sweep unsharded, and `merge` of the shards' reports, 8 and 64 of them).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './harness.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'lockchart.mjs');

function timed(command: string, args: readonly string[], cwd: string, ok = [0]): number {
  const start = performance.now();
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', env: Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))) });
  if (!ok.includes(run.status ?? -1)) {
    throw new Error(`${command} ${args.join(' ')}: exit ${run.status}: ${run.stderr.slice(0, 400)}`);
  }
  return (performance.now() - start) / 1000;
}

function size(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { recursive: true }) as string[]) {
    const stat = statSync(join(path, entry), { throwIfNoEntry: false });
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

const best = (times: number[]) => Math.min(...times);

function packageFigures(dir: string): BenchFigure[] {
  const pack = timed('npm', ['pack', '--pack-destination', dir], REPO);
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))!;
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"p","version":"1.0.0","private":true}');
  const install = timed('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline',
    join(dir, tarball)], project);
  const installed = join(project, 'node_modules', '.bin', 'lockchart');
  const startInstalled = best([0, 1, 2].map(() => timed(installed, ['machines'], project)));
  const startCheckout = best([0, 1, 2].map(() => timed(process.execPath, [BIN, 'machines'], REPO)));
  return [
    { name: 'npm pack (tsc build of dist/ included)', value: pack, unit: 's' },
    { name: 'npm install of the tarball (npm cache warm)', value: install, unit: 's' },
    { name: 'tarball size', value: statSync(join(dir, tarball)).size / 1024, unit: 'KiB' },
    { name: 'installed node_modules size', value: size(join(project, 'node_modules')) / 2 ** 20,
      unit: 'MiB' },
    { name: 'lockchart machines: installed (compiled), best of 3', value: startInstalled, unit: 's' },
    { name: 'lockchart machines: checkout (tsx), best of 3', value: startCheckout, unit: 's' },
  ];
}

function sweepFigures(dir: string): BenchFigure[] {
  const sweep = ['sim', '--seeds', '64', '--steps', '2000', '--faults', 'process-kill,daemon-reexec',
    '--workers', '2'];
  const findings = [0, 128, 129];
  const whole = timed(process.execPath, [BIN, ...sweep], REPO, findings);
  const out = (n: number) => join(dir, `shards-${n}`);
  let sharded = 0;
  for (let i = 1; i <= 8; i++) {
    sharded += timed(process.execPath, [BIN, ...sweep, '--shard', `${i}/8`, '--out-dir', out(8)],
      REPO, findings);
  }
  // 64 shards of one seed each: the reports a large Job leaves, for merge alone.
  const many = ['sim', '--seeds', '64', '--steps', '50', '--workers', '1'];
  for (let i = 1; i <= 64; i++) {
    timed(process.execPath, [BIN, ...many, '--shard', `${i}/64`, '--out-dir', out(64)], REPO, findings);
  }
  return [
    { name: 'sweep 64 seeds × 2000 steps, unsharded (2 workers)', value: whole, unit: 's' },
    { name: 'the same as 8 shards run one after another (sum)', value: sharded, unit: 's' },
    { name: 'merge 8 shard reports (process, start-up included)',
      value: best([0, 1, 2].map(() => timed(process.execPath, [BIN, 'merge', out(8)], REPO, findings))),
      unit: 's' },
    { name: 'merge 64 shard reports (process, start-up included)',
      value: best([0, 1, 2].map(() => timed(process.execPath, [BIN, 'merge', out(64)], REPO, findings))),
      unit: 's' },
  ];
}

export default async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lockchart-bench-scale-out-'));
  try {
    return [...packageFigures(dir), ...sweepFigures(dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
