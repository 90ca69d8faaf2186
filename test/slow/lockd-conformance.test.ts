/**
 * The whole conformance suite against the real virtlockd, with real owner processes that
 * register themselves and real temp files, in both naming modes; then `lockchart conform`
 * against a live daemon, hazards included.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHECKS } from '../../conformance/checks.ts';
import { runConformance } from '../../conformance/run.ts';
import type { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { lockdHarness } from '../../conformance/harnesses/lockd.ts';
import { cli } from '../helpers/cli.ts';
import { describeVirtlockd, Scratch } from './lockd-support.ts';

const scratch = new Scratch();
let daemon: VirtlockdDaemon;
beforeAll(async () => {
  daemon = await scratch.daemon();
});
afterAll(() => scratch.release());

const conform = (...argv: string[]) => cli('conform', ...argv);

describeVirtlockd('lockd conformance against virtlockd', () => {
  it.each([
    ['direct leases', () => ({})],
    ['indirect leases', () => ({ lockspaceDir: join(daemon.dir, 'lockspace') })],
  ])('passes every check with %s', async (_mode, extra) => {
    const results = await runConformance(lockdHarness({ socket: daemon.socketPath, ...extra() }));
    expect(results.map((result) => result.id)).toEqual(CHECKS.map((check) => check.id));
    expect(results.filter((result) => result.verdict !== 'pass')).toEqual([]);
  });

  it('lockchart conform --driver lockd passes, checks aliasing, skips the destructive hazard',
    async () => {
      const { code, out } = await conform('--driver', 'lockd', '--socket', daemon.socketPath,
        '--lockspace', join(daemon.dir, 'cli-lockspace'));
      expect(code).toBe(0);
      for (const check of CHECKS) expect(out).toMatch(new RegExp(`^pass  ${check.id} `, 'm'));
      expect(out).toMatch(/^pass  aliasing /m);
      expect(out).toMatch(/^skip  unregistered-reexec .*--destructive/m);
    });

  it('lockchart conform --destructive finds the daemon, warns, and it is gone', async () => {
    const victim = await scratch.daemon();
    const { code, out, err } = await conform('--driver', 'lockd', '--socket', victim.socketPath,
      '--destructive', '--json');
    expect(code, err).toBe(0);
    const report = JSON.parse(out) as { passed: boolean;
      hazards: Array<{ id: string; verdict: string; facts: Record<string, unknown> }> };
    expect(code).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.hazards.find((hazard) => hazard.id === 'unregistered-reexec')).toMatchObject({
      verdict: 'warn', facts: { heldBefore: true, exited: true, heldAfter: false } });
    await victim.waitExit();
    expect(victim.lastExit?.code).toBe(9);
  });

  it('lockchart conform --driver lockd on a dead daemon is a one-line error', async () => {
    const dead = await scratch.daemon();
    dead.kill('SIGKILL');
    await dead.waitExit();
    const { code, err } = await conform('--driver', 'lockd', '--socket', dead.socketPath);
    expect(code).toBe(2);
    expect(err).toMatch(/^lockchart: conform: cannot talk to virtlockd at .*ECONNREFUSED|refused/);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });
});
