/**
 * A sweep tells what a single seed tells (liveness too, and --json), refuses seeds past
 * 2^32-1; Ctrl-C on sim, matrix and explore says what was done and where the trace so far is.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { lockchart } from '../helpers/spawn-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-sweeps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sim --seeds N', () => {
  it('reports a liveness violation and exits as that seed alone does', async () => {
    const alone = await cli('sim', '--seed', '1');
    // The model's one liveness finding is virtlockd's known orphan-acquire leak, named as known.
    expect(alone.out).toMatch(/LIVENESS S7d/);
    expect(alone.code).toBe(128);
    const sweep = await cli('sim', '--seeds', '4', '--workers', '2');
    expect(sweep.out).toMatch(/^ {2}LIVENESS S7d at seed 1: known: \d+ grant\(s\) made to pids already dead/m);
    expect(sweep.out).toMatch(/re-run it alone with its trace: lockchart sim --driver model --seed 1 --steps 2000 --trace FILE/);
    expect(sweep.out).not.toMatch(/safe: no seed broke an invariant/);
    expect(sweep.code).toBe(128);
  });

  it('honours --json: one object, the same findings', async () => {
    const sweep = await cli('sim', '--seeds', '4', '--workers', '2', '--faults', 'daemon-crash',
      '--json');
    const result = JSON.parse(sweep.out) as { first: number; last: number; violation: { seed: number;
      invariant: string } | null; liveness: unknown };
    expect(result).toMatchObject({ first: 1, last: 4, violation: { invariant: 'S2' } });
    const alone = await cli('sim', '--seed', String(result.violation!.seed), '--faults', 'daemon-crash');
    expect(alone.out).toMatch(/VIOLATED S2/);
    expect(sweep.code).toBe(129);
  });

  it('refuses seeds past 2^32-1 instead of wrapping them', async () => {
    const run = await cli('sim', '--seed', '4294967294', '--seeds', '3');
    expect(run.err.trim()).toBe('lockchart: --seed 4294967294 with --seeds 3 runs past seed ' +
      '4294967295 (2^32-1), the last seed there is; sweep at most 2 seed(s) from there');
    expect(run.code).toBe(2);
    expect((await cli('sim', '--seed', '4294967294', '--seeds', '2', '--steps', '50')).code).not.toBe(2);
  });
});

/** Starts a command, sends SIGINT once `ready` says so, and resolves with what it printed. */
function interrupted(args: string[], ready: () => boolean) {
  return lockchart(args, {
    started: (child: ChildProcess) => {
      const poll = setInterval(() => {
        if (child.exitCode !== null) clearInterval(poll);
        else if (ready()) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 100);
    },
  });
}

describe('SIGINT', () => {
  it('sim: says how far it got and where the valid prefix is', async () => {
    const trace = join(dir, 'interrupted.jsonl');
    const run = await interrupted(['sim', '--steps', '10000000', '--trace', trace],
      () => existsSync(trace) && statSync(trace).size > 200_000);
    expect(run.err.trim()).toMatch(new RegExp(`^lockchart: sim interrupted \\(SIGINT\\) at seed 1 ` +
      `after (\\d+) step\\(s\\); ${trace} holds them, a valid prefix \\(lockchart replay ${trace}\\)$`));
    expect(run.code).toBe(130);
    const steps = Number(/after (\d+) step/.exec(run.err)![1]);
    const replay = await cli('replay', trace);
    expect(replay.out).toMatch(new RegExp(`replayed ${steps} steps`));
    expect(replay.out).toMatch(/no end record/);
    expect(readFileSync(trace, 'utf8').split('\n').length).toBe(steps + 2);
  }, 60_000);

  it('explore: says how far the search got', async () => {
    // Safe and large: the search runs for minutes unless stopped. The signal goes once it has
    // finished a depth (its progress line): on a busy machine loading alone may take longer than
    // any fixed wait.
    let progress = '';
    let sent = false;
    const run = await lockchart(['explore', '--hosts', '2', '--domains', '3', '--disks', '3',
      '--faults', 'process-kill', '--fault-budget', '2', '--workload', 'unbounded'], {
      started: (child: ChildProcess) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          progress += chunk.toString();
          if (!sent && /^explore depth 2 finished: /m.test(progress)) {
            sent = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    expect(run.err).toMatch(/^explore depth 1 finished: [\d,]+ states, [\d,]+ transitions, [\d,]+ on the frontier$/m);
    expect(run.err.trim().split('\n').at(-1)).toMatch(/^lockchart: explore interrupted \(SIGINT\) after [\d.]+ s: [\d,]+ states stored, (depth \d+ finished \([\d,]+ transitions\)|no depth finished), no violation found so far$/);
    expect(run.code).toBe(130);
  }, 60_000);

  it('matrix: prints the cells done and where the traces are', async () => {
    const traces = join(dir, 'matrix-traces');
    let progress = '';
    let sent = false;
    const run = await lockchart(['matrix', '--drivers', 'nop,model', '--no-real', '--seeds', '3000',
      '--steps', '2000', '--workers', '2', '--traces', traces], {
      started: (child) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          progress += chunk.toString();
          if (!sent && /^matrix 2\//m.test(progress)) {
            sent = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    expect(run.out).toMatch(/^driver +fault +verdict/);
    expect(run.out).toMatch(/^nop +[a-z-]+ +VIOLATED/m);
    expect(run.err).toMatch(new RegExp(`lockchart: matrix interrupted \\(SIGINT\\): \\d+ of \\d+ cells ` +
      `done \\(above\\); shrunk traces so far are in ${traces}`));
    expect(run.code).toBe(130);
  }, 120_000);

  it('matrix: an interrupted real cell leaves its trace so far, which replays', async () => {
    const traces = join(dir, 'real-traces');
    const trace = join(traces, 'ofd-none-seed1.trace.jsonl');
    const run = await interrupted(['matrix', '--drivers', 'ofd', '--faults', 'none',
      '--real-steps', '100000', '--traces', traces],
    () => existsSync(trace) && readFileSync(trace, 'utf8').split('\n').length > 40);
    expect(run.err).toContain(`the interrupted real cell's trace so far (a valid prefix): ${trace}`);
    expect(run.code).toBe(130);
    const replay = await cli('replay', trace);
    expect(replay.out).toMatch(/no end record/);
    expect(replay.code).toBe(0);
  }, 120_000);
});
