/**
 * The interop matrix for real (`real/libvirt/interop.ts`): lockchart's ofd, posix and lockd
 * drivers against libvirt's own lockd.so on one host, one lockspace, one virtlockd. Every
 * same-spelling contest excludes (byte-compatible names), in both directions and modes; the
 * cross-spelling ones show exactly libvirt's own gap (the baseline) and what lockchart's alias
 * locks add: docs/interop.md.
 */
import { expect, it } from 'vitest';
import type { InteropResult } from '../../real/libvirt/interop-cases.ts';
import { requiredFailures } from '../../real/libvirt/interop-format.ts';
import { runInterop } from '../../real/libvirt/interop.ts';
import { cli } from '../helpers/cli.ts';
import { describeLibvirt } from './libvirt-support.ts';

/** Which cross contests must grant twice (libvirt cannot protect them); all others exclude. */
function twiceExpected(result: InteropResult): boolean {
  if (result.pairing === 'same') return false;
  if (result.driver === 'libvirt') return true; // libvirt against itself: its design gap
  if (result.mode === 'direct') return result.driver === 'lockd'; // one daemon's table by name
  return result.pairing === 'libvirt-alias'; // indirect: lockchart's alias lease meets libvirt's
}

describeLibvirt('interop with libvirt\'s own lock manager', () => {
  it('excludes on every shared spelling; grants twice exactly where libvirt itself does',
    async () => {
      const results = await runInterop({ drivers: ['libvirt', 'ofd', 'posix', 'lockd'],
        modes: ['direct', 'indirect'] });
      expect(results).toHaveLength(192);
      expect(results.filter((result) => result.outcome.startsWith('error'))).toEqual([]);
      expect(requiredFailures(results)).toEqual([]);
      const unexpected = results.filter((result) =>
        (result.outcome === 'granted twice') !== twiceExpected(result));
      expect(unexpected).toEqual([]);
    });

  it('lockchart interop prints the table and exits 0; bad input is one line and exit 2',
    async () => {
      const run = await cli('interop', '--driver', 'ofd', '--mode', 'direct');
      expect(run.code).toBe(0);
      expect(run.out).toMatch(/^\| ofd \| direct \| `symlink` \| ✓ \| ✓ \| ✓ \| ✓ \| ✓ \| ✓ \|$/m);
      expect(run.out).toMatch(/26 contests: 0 required exclusion\(s\) failed, 0 cross/);
      const bad = await cli('interop', '--mode', 'sideways');
      expect(bad.code).toBe(2);
      expect(bad.err.trim().split('\n')).toHaveLength(1);
    });
});
