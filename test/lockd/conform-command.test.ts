/** `lockchart conform` with the in-memory drivers, and its argument errors (no daemon needed). */
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../conformance/checks.ts';
import { cli } from '../helpers/cli.ts';

const run = (...argv: string[]) => cli('conform', ...argv);

describe('lockchart conform (in-memory drivers)', () => {
  it('passes every check for the model driver and exits 0', async () => {
    const { code, out } = await run('--driver', 'model');
    expect(code).toBe(0);
    for (const check of CHECKS) {
      // In memory there is no file to reach by a second spelling.
      const verdict = check.id === 'alias-spellings-exclude' ? 'n/a ' : 'pass';
      expect(out).toMatch(new RegExp(`^${verdict}  ${check.id} `, 'm'));
    }
    expect(out).toContain('all checks passed');
  });

  it('fails the exclusion checks for nop and exits 1', async () => {
    const { code, out } = await run('--driver', 'nop');
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL  exclusive-excludes-exclusive /m);
    expect(out).toMatch(/^pass  shared-allows-shared /m);
  });

  it('prints one verdict per check as JSON', async () => {
    const { code, out } = await run('--driver', 'nop', '--json');
    const report = JSON.parse(out) as
      { passed: boolean; checks: Array<{ id: string; verdict: string }> };
    expect(code).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.checks.map((check) => check.id)).toEqual(CHECKS.map((check) => check.id));
  });

  it.each([
    [[], /conform: which driver\? --driver NAME\|PATH/],
    [['--driver', 'dlm'], /unknown driver 'dlm' \(built in: nop, model/],
    [['--driver', 'posix-naive'], /posix-naive holds every lock in one process/],
    [['--driver', 'lockd'], /--driver lockd needs --socket PATH$/],
    [['--driver', 'lockd', '--socket', 'relative/sock'], /must be an absolute path/],
    [['--driver', 'lockd', '--socket', '/nonexistent/virtlockd-sock'], /no socket at/],
    [['--driver', 'model', '--socket', '/x'], /--socket only applies to --driver lockd$/],
    [['--driver', 'libvirt-lockd'], /--driver libvirt-lockd needs --socket PATH$/],
    [['--driver', 'libvirt-lockd', '--socket', '/x', '--destructive'],
      /--destructive only applies to --driver lockd$/],
    [['--driver', 'model', 'extra'], /unexpected argument 'extra'$/],
    [['--driver', 'model', '--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j with a one-line error and exit 2', async (argv, message) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    const line = err.trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(message);
  });
});
