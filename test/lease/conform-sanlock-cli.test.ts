/**
 * `lockchart conform --driver sanlock|libvirt-sanlock`: bad input gets one clear line and exit 2
 * before anything starts — on any machine (these cases need neither sanlock nor libvirt).
 */
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

async function refused(args: string[], message: RegExp): Promise<void> {
  const run = await cli('conform', ...args);
  expect(run.code, args.join(' ')).toBe(2);
  expect(run.err, args.join(' ')).toMatch(message);
  expect(run.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
  expect(run.out, args.join(' ')).toBe('');
}

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
    for (const [args, message] of cases) await refused(args, message);
  });
});

describe('conform --driver libvirt-sanlock, bad input', () => {
  it('refuses what cannot be right before starting a daemon or the libvirt helper', async () => {
    const cases: [string[], RegExp][] = [
      [['--driver', 'libvirt-sanlock', '--lease-dir', '/tmp/x'], /--lease-dir goes with --socket/],
      [['--driver', 'libvirt-sanlock', '--host-id', '2001'], /--host-id must be 1…2000, got 2001/],
      [['--driver', 'libvirt-sanlock', '--host-id', 'two'], /--host-id/],
      [['--driver', 'libvirt-sanlock', '--socket', 'run/sanlock.sock'],
        /--socket must be an absolute path, got 'run\/sanlock.sock'/],
      [['--driver', 'libvirt-sanlock', '--socket', '/run/mine/daemon.sock'],
        /through SANLOCK_RUN_DIR: --socket must be '\/run\/mine\/sanlock.sock'/],
      [['--driver', 'libvirt-sanlock', '--timeout-ms', '5'], /--timeout-ms only applies to --driver lockd/],
      [['--driver', 'libvirt-sanlock', '--lockspace', '/tmp/x'], /--lockspace only applies to --driver lockd/],
      [['--driver', 'libvirt-sanlock', 'extra'], /unexpected argument 'extra'/],
      // Where libvirt-sanlock is installed the socket is looked for; elsewhere that is said first.
      [['--driver', 'libvirt-sanlock', '--socket', '/nonexistent/sanlock.sock', '--lease-dir', '/tmp'],
        /no socket at '\/nonexistent\/sanlock.sock'|cannot run libvirt's sanlock.so here/],
      [['--driver', 'nop', '--host-id', '3'], /--host-id only applies to --driver sanlock or libvirt-sanlock/],
    ];
    for (const [args, message] of cases) await refused(args, message);
  });
});
