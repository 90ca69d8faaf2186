/**
 * Sweeps scale out (issue 17, item 11): shard processes that take their shard from a Kubernetes
 * Indexed Job's variables write their reports into one shared directory, and `merge` joins them
 * into exactly what the unsharded run reports. The Job runs here as what Kubernetes makes of it
 * — N processes, JOB_COMPLETION_INDEX 0…N-1 and JOB_COMPLETIONS — with the very command line
 * of deploy/kubernetes/sweep-job.yaml (its seed count scaled down); no cluster runs here, so the
 * manifests, the image definition and the CI workflow are checked for what they say.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { shardOption } from '../../cli/shard-option.ts';
import { EXIT_LIVENESS, EXIT_SAFETY } from '../../cli/sweep-report.ts';
import { cli } from '../helpers/cli.ts';
import { lockchart, REPO } from '../helpers/spawn-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-scale-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are checked field by field */
const job: any = parse(read('deploy/kubernetes/sweep-job.yaml'));
const mergeJob: any = parse(read('deploy/kubernetes/merge-job.yaml'));
const pvc: any = parse(read('deploy/kubernetes/results-pvc.yaml'));
const workflow: any = parse(read('.github/workflows/sweep.yml'));
const container = job.spec.template.spec.containers[0];
const mergeContainer = mergeJob.spec.template.spec.containers[0];
const mount: string = container.volumeMounts[0].mountPath;

/** The value after `flag` in an argv. */
const flag = (argv: readonly string[], name: string) => argv[argv.indexOf(name) + 1];

/**
 * The manifest's argv as it runs here: the shared volume is a temp directory, and the flags
 * named are given smaller values (each must be in the manifest: nothing is added).
 */
function scaled(argv: readonly string[], shared: string, values: Record<string, string>): string[] {
  const out = argv.map((arg) => (arg.startsWith(mount) ? shared + arg.slice(mount.length) : arg));
  for (const [name, value] of Object.entries(values)) {
    expect(out, `the manifest passes ${name}`).toContain(name);
    out[out.indexOf(name) + 1] = value;
  }
  return out;
}

describe('the shard of a run', () => {
  const env = (index?: string, count?: string) => ({
    ...(index === undefined ? {} : { JOB_COMPLETION_INDEX: index }),
    ...(count === undefined ? {} : { JOB_COMPLETIONS: count }),
  });

  it('comes from an Indexed Job\'s variables (0-based) unless --shard says otherwise', () => {
    expect(shardOption(undefined, env())).toBeUndefined();
    expect(shardOption(undefined, env('0', '4'))?.shard).toEqual({ index: 1, count: 4 });
    expect(shardOption(undefined, env('3', '4'))?.shard).toEqual({ index: 4, count: 4 });
    expect(shardOption('2/5', env('0', '4'))).toEqual({ shard: { index: 2, count: 5 }, source: '--shard' });
  });

  it.each([
    [env('1'), /^JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not/],
    [env(undefined, '3'), /^JOB_COMPLETIONS is set but JOB_COMPLETION_INDEX is not/],
    [env('3', '3'), /^JOB_COMPLETION_INDEX must be an integer from 0 to 2 \(JOB_COMPLETIONS=3\), got '3'$/],
    [env('-1', '3'), /^JOB_COMPLETION_INDEX must be an integer from 0 to 2/],
    [env('0', '0'), /^JOB_COMPLETIONS must be a positive integer \(the Job's completions\), got '0'$/],
    [env('0', 'four'), /^JOB_COMPLETIONS must be a positive integer/],
  ])('refuses a bad Job environment %j in one line', (variables, message) => {
    expect(() => shardOption(undefined, variables)).toThrow(message);
  });

  it('a sweep of fewer seeds than shards is refused before any work', async () => {
    const run = await cli('sim', '--seeds', '2', '--shard', '1/3');
    expect(run.err.trim()).toBe('lockchart: --seeds 2 cannot be split into 3 shards (every shard ' +
      'sweeps at least one seed)');
    expect(run.code).toBe(2);
  });
});

describe('the Kubernetes Job, run as N processes with its variables', () => {
  const SHARDS = 3;
  const shared = join(dir, 'volume');
  const small = { '--seeds': '18', '--steps': '300', '--workers': '1' };
  const sweepArgv = () => scaled([...container.args], shared, small);
  let unsharded = '';
  let unshardedReport: unknown;

  beforeAll(async () => {
    // The pods: all at once, as a Job with parallelism = completions runs them.
    const pods = await Promise.all([...Array(SHARDS).keys()].map((index) =>
      lockchart(sweepArgv(), { env: { JOB_COMPLETION_INDEX: String(index),
        JOB_COMPLETIONS: String(SHARDS) } })));
    for (const pod of pods) {
      expect([0, EXIT_LIVENESS, EXIT_SAFETY], pod.err).toContain(pod.code);
      expect(pod.err).toMatch(/sim: shard \d\/3 \(JOB_COMPLETION_INDEX=\d, JOB_COMPLETIONS=3\)/);
    }
    const whole = sweepArgv();
    whole[whole.indexOf('--out-dir') + 1] = join(dir, 'unsharded');
    const run = await cli(...whole, '--json');
    unsharded = run.out;
    unshardedReport = JSON.parse(readFileSync(join(dir, 'unsharded', 'seeds.json'), 'utf8'));
  }, 180_000);

  it('each pod wrote its own report into the shared directory', () => {
    const out = flag(sweepArgv(), '--out-dir')!;
    expect(readdirSync(out).sort()).toEqual(['seeds-1-of-3.json', 'seeds-2-of-3.json',
      'seeds-3-of-3.json']);
  });

  it('the merge job\'s command joins them into what the unsharded sweep reports', async () => {
    const argv = scaled([...mergeContainer.args], shared, {});
    const merged = await cli(...argv, '--json');
    expect(merged.err).toBe('');
    expect(merged.out).toBe(unsharded);
    // The merged report file is the unsharded run's report, field for field.
    expect(JSON.parse(readFileSync(flag(argv, '--out')!, 'utf8'))).toEqual(unshardedReport);
  });

  it('a shard missing (a pod that never wrote) is refused in one line', async () => {
    rmSync(join(flag(sweepArgv(), '--out-dir')!, 'seeds-2-of-3.json'));
    const merged = await cli('merge', flag(sweepArgv(), '--out-dir')!);
    expect(merged.err.trim()).toBe('lockchart: shard 2/3 missing: the merge would lack their ' +
      'seeds (of 18)');
    expect(merged.code).toBe(2);
  });
});

describe('a sweep with findings, sharded', () => {
  // Seeds 4…15 under daemon-crash: a liveness finding at seed 5, the first violation at seed 6,
  // in the second of six shards, and more violations after it.
  const SWEEP = ['sim', '--seed', '4', '--seeds', '12', '--steps', '300', '--faults',
    'daemon-crash', '--workers', '1'];
  const shard = (i: number) => join(dir, 'findings', `shard-${i}.json`);

  it('merges into the unsharded sweep: its lowest violation, liveness before it, and steps', async () => {
    mkdirSync(join(dir, 'findings'));
    const whole = await cli(...SWEEP, '--json');
    for (let i = 1; i <= 6; i++) {
      const run = await cli(...SWEEP, '--shard', `${i}/6`, '--out', shard(i));
      expect(run.code, run.err).not.toBe(2);
    }
    const merged = await cli('merge', ...[6, 2, 4, 1, 3, 5].map(shard), '--json');
    expect(merged.out).toBe(whole.out);
    expect(merged.code).toBe(whole.code);
    expect(JSON.parse(whole.out)).toMatchObject({ violation: { invariant: 'S2', seed: 6 },
      liveness: { invariant: 'S7d', seed: 5 } });
    const text = await cli('merge', ...[1, 2, 3, 4, 5, 6].map(shard));
    expect(text.out).toMatch(/merged from 6 report\(s\)/);
  }, 120_000);

  it.each([
    ['a shard given twice', () => [1, 2, 2, 3, 4, 5, 6].map(shard), /shard-2\.json: shard 2\/6 is given twice/],
    ['a matrix report among sweeps', () => [...[1, 2, 3, 4, 5, 6].map(shard), join(REPO, 'package.json')],
      /package\.json: not a sweep report like .*shard-1\.json/],
  ])('refuses %s', async (_, files, message) => {
    const merged = await cli('merge', ...files());
    expect(merged.err).toMatch(message);
    expect(merged.err.trim().split('\n')).toHaveLength(1);
    expect(merged.code).toBe(2);
  });
});

describe('what ships for Kubernetes and CI (no cluster runs here: their content is checked)', () => {
  it('the Job is Indexed, and JOB_COMPLETIONS is its completions', () => {
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const completions = container.env.find((e: any) => e.name === 'JOB_COMPLETIONS');
    expect(completions.value).toBe(String(job.spec.completions));
    expect(job.spec.parallelism).toBeLessThanOrEqual(job.spec.completions);
    // Kubernetes sets the index itself; a value in the manifest would give every pod one shard.
    expect(container.env.map((e: any) => e.name)).not.toContain('JOB_COMPLETION_INDEX');
    expect(container.args).not.toContain('--shard');
  });

  it('a finding fails its index without a retry; the command is the image\'s lockchart', () => {
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const rule = job.spec.podFailurePolicy.rules.find((r: any) => r.action === 'FailIndex');
    expect([...rule.onExitCodes.values].sort()).toEqual([EXIT_LIVENESS, EXIT_SAFETY].sort());
    expect(rule.onExitCodes.containerName).toBe(container.name);
    expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(0);
    for (const c of [container, mergeContainer]) expect(c.command).toEqual(['lockchart']);
    expect(mergeContainer.image).toBe(container.image);
    expect(read('deploy/Dockerfile')).toMatch(/^ENTRYPOINT \["lockchart"\]$/m);
    expect(read('deploy/Dockerfile')).toMatch(/npm install --global .*lockchart\.tgz/);
  });

  it('both jobs mount the shared volume; the merge reads where the shards write', () => {
    const claim = (j: any) => j.spec.template.spec.volumes[0].persistentVolumeClaim.claimName;
    expect(claim(job)).toBe(pvc.metadata.name);
    expect(claim(mergeJob)).toBe(pvc.metadata.name);
    expect(pvc.spec.accessModes).toContain('ReadWriteMany');
    expect(mergeContainer.volumeMounts[0].mountPath).toBe(mount);
    expect(flag(container.args, '--out-dir')!.startsWith(`${mount}/`)).toBe(true);
    expect(mergeContainer.args.slice(0, 2)).toEqual(['merge', flag(container.args, '--out-dir')]);
    // The merged report is written outside the shards' directory, where a second merge reads.
    expect(flag(mergeContainer.args, '--out')!.startsWith(`${flag(container.args, '--out-dir')}/`))
      .toBe(false);
  });

  it('the CI workflow shards with a job matrix of 1…SHARDS and merges what they upload', () => {
    const shards = Number(workflow.env.SHARDS);
    expect(workflow.jobs.shard.strategy.matrix.shard).toEqual([...Array(shards).keys()].map((i) => i + 1));
    const runs = workflow.jobs.shard.steps.map((s: any) => s.run).filter(Boolean).join('\n');
    const mergeRuns = workflow.jobs.merge.steps.map((s: any) => s.run).filter(Boolean).join('\n');
    for (const kind of ['seeds', 'matrix']) {
      expect(runs).toContain(`--shard \${{ matrix.shard }}/\${{ env.SHARDS }} --out-dir results/${kind}`);
      expect(mergeRuns).toMatch(new RegExp(`npx lockchart merge results/${kind}\\b`));
    }
    expect(workflow.jobs.merge.needs).toBe('shard');
  });

  it('docs/scale-out.md shows each manifest as it ships', () => {
    const page = read('docs/scale-out.md');
    for (const file of ['deploy/kubernetes/sweep-job.yaml', 'deploy/kubernetes/merge-job.yaml',
      'deploy/kubernetes/results-pvc.yaml']) {
      expect(page).toContain(`\`\`\`yaml\n${read(file)}\`\`\``);
    }
  });
});
