/**
 * The driver's own process dies (SIGKILL: the supervisors see their channel close; SIGINT: its
 * cleanup handler kills what it started, then it dies of the signal): its supervisor, the VM
 * stand-in and the lock all go. Slow tier: each run boots a TypeScript process and an unbundled
 * supervisor.
 */
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identify } from '../../system/process-identity.ts';
import { trackProcess } from '../../drivers/kernel/supervisor/cleanup.ts';
import { nodeArgv } from '../../system/program.ts';
import { readRecords } from '../../drivers/kernel/supervisor/records.ts';
import { eventually, processCensus, sandbox, type Sandbox } from '../kernel/helpers.ts';

let box: Sandbox;
let census: ReturnType<typeof processCensus>;

beforeEach(() => {
  box = sandbox();
  census = processCensus();
});

afterEach(() => {
  expect(census.fresh(), 'processes that outlived the test').toEqual([]);
  expect(box.locks(), 'kernel locks left on the test files').toEqual([]);
  box.cleanup();
});

const gone = (pid: number) => eventually(() => identify(pid) === null);
const FIXTURE = new URL('../kernel/fixtures/driver-process.ts', import.meta.url).pathname;

describe('the driver\'s process dies', () => {
  it.each(['SIGKILL', 'SIGINT'] as const)(
    '%s to the driver\'s process: its supervisor, the stand-in and the lock all go',
    async (signal) => {
      const disk = box.disk('x');
      const [node, ...args] = nodeArgv(FIXTURE);
      // LOCKCHART_NO_BUNDLE: this also proves that the unbundled (tsx) supervisor works.
      const parent = spawn(node!, [...args, disk], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, LOCKCHART_NO_BUNDLE: '1' },
      });
      const exited = new Promise<[number | null, string | null]>((resolve) =>
        parent.once('exit', (code, how) => resolve([code, how])));
      const untrack = trackProcess(identify(parent.pid!)!);
      try {
        const line = await new Promise<string>((resolve) =>
          parent.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString())));
        const started = JSON.parse(line) as { argv: string[]; supervisor: number; vm: number };
        expect(started.argv).toContain('--import');
        expect(box.locks().map((lock) => lock.pid)).toEqual([started.supervisor]);
        expect(await eventually(() => readRecords(disk).length > 0)).toBe(true);
        // SIGKILL: the supervisor sees its channel close. SIGINT: the process's cleanup handler
        // kills what it started, then dies of the signal as if it had never caught it.
        parent.kill(signal);
        expect(await exited).toEqual([null, signal]);
        expect(await gone(started.supervisor)).toBe(true);
        expect(await gone(started.vm)).toBe(true);
        expect(box.locks()).toEqual([]);
      } finally {
        parent.kill('SIGKILL');
        await exited;
        untrack();
      }
    });
});

