/** `lockchart conform --driver sanlock`: bad input gets one clear line before anything starts. */
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

describe('conform --driver sanlock, bad input', () => {
  it('refuses flags that do not go with it, and the ones of sanlock elsewhere', async () => {
    const cases: [string[], RegExp][] = [
      [['--driver', 'sanlock', '--lease-dir', '/tmp/x'], /--lease-dir goes with --socket/],
      [['--driver', 'sanlock', '--host-id', '0'], /--host-id must be 1…2000/],
      [['--driver', 'sanlock', '--socket', 'relative.sock'], /--socket must be an absolute path/],
      [['--driver', 'sanlock', '--socket', '/nonexistent/sanlock.sock'], /no socket at/],
      [['--driver', 'sanlock', '--destructive'], /--destructive only applies to --driver lockd/],
      [['--driver', 'model', '--lease-dir', '/tmp/x'], /--lease-dir only applies to --driver sanlock/],
    ];
    for (const [args, message] of cases) {
      const run = await cli('conform', ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err).toMatch(message);
    }
  });
});
