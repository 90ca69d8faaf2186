/**
 * lockchart's conformance suite on libvirt's own lockd.so (`libvirt-lockd`), against a real
 * virtlockd, direct and indirect: libvirt passes every check but one, `alias-spellings-exclude`
 * — two spellings of one disk are two locks for libvirt (its design gap, docs/libvirt.md L1) —
 * and `lockchart conform --driver libvirt-lockd` says so with exit status 1.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHECKS } from '../../conformance/checks.ts';
import { runConformance } from '../../conformance/run.ts';
import { isolatedDaemon } from '../../daemons/isolated-virtlockd.ts';
import { libvirtHarness } from '../../conformance/harnesses/libvirt.ts';
import type { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { cli } from '../helpers/cli.ts';
import { describeLibvirt } from './libvirt-support.ts';
import { Scratch } from './lockd-support.ts';

const scratch = new Scratch();
let daemon: VirtlockdDaemon;
beforeAll(async () => {
  daemon = await scratch.daemon(isolatedDaemon());
});
afterAll(() => scratch.release());

describeLibvirt("conformance of libvirt's lockd.so", () => {
  it.each([
    ['direct leases', () => ({})],
    ['indirect leases', () => ({ lockspaceDir: join(daemon.dir, 'lockspace') })],
  ])('passes every check but the alias one with %s', async (_mode, extra) => {
    const results = await runConformance(libvirtHarness({ socket: daemon.socketPath,
      ...extra() }));
    expect(results.map((result) => result.id)).toEqual(CHECKS.map((check) => check.id));
    expect(results.filter((result) => result.verdict !== 'pass')
      .map((result) => [result.id, result.verdict, result.detail])).toEqual([
      ['alias-spellings-exclude', 'fail',
        'B exclusive through a symlink while A holds it: expected RESOURCE_BUSY, but it succeeded'],
    ]);
  });

  it('lockchart conform --driver libvirt-lockd reports the same, with exit status 1', async () => {
    const { code, out } = await cli('conform', '--driver', 'libvirt-lockd', '--socket',
      daemon.socketPath);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL  alias-spellings-exclude /m);
    expect(out).toMatch(/^pass  restricted-connection-changes-nothing /m);
    expect(out).toMatch(/1 check\(s\) failed/);
  });
});
