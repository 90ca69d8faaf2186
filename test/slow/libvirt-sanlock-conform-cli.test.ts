/**
 * `lockchart conform --driver libvirt-sanlock` with no socket: it starts a private real sanlock
 * daemon, runs the whole suite through libvirt's own sanlock.so (the libvirt helper), reports the
 * checks sanlock.so fails — each one of its known findings, S1–S4 of docs/libvirt.md — exits 1
 * for them, and leaves no daemon, run directory or lease directory behind.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { CHECKS } from '../../conformance/checks.ts';
import { cli } from '../helpers/cli.ts';
import { describeLibvirtSanlock } from './libvirt-support.ts';
import { SANLOCK_SO_FINDINGS } from './libvirt-sanlock-findings.ts';

interface Report {
  readonly driver: string;
  readonly where: string;
  readonly passed: boolean;
  readonly checks: ReadonlyArray<{ readonly id: string; readonly verdict: string; readonly detail: string }>;
}

describeLibvirtSanlock('lockchart conform --driver libvirt-sanlock', () => {
  it('runs every check on sanlock.so; what fails is a known finding; nothing is left', async () => {
    const ours = () => readdirSync(tmpdir()).filter((name) =>
      name.startsWith('lockchart-conform-') || name.startsWith('sanlock-'));
    const before = ours();
    const run = await cli('conform', '--driver', 'libvirt-sanlock', '--json');
    const report = JSON.parse(run.out) as Report;
    expect(report.driver).toBe('libvirt-sanlock');
    expect(report.where).toMatch(/^a private daemon \(.*\/sanlock\.sock\)$/);
    expect(report.checks.map((check) => check.id)).toEqual(CHECKS.map((check) => check.id));
    const failed = report.checks.filter((check) => check.verdict === 'fail');
    for (const check of failed) {
      expect(SANLOCK_SO_FINDINGS[check.id], `${check.id}: ${check.detail}`).toBeDefined();
      expect(check.detail).toMatch(SANLOCK_SO_FINDINGS[check.id]!);
    }
    // S1, S2 and S4 fail whatever the timing: the command says so with its exit status.
    expect(failed.map((check) => check.id)).toEqual(expect.arrayContaining(
      ['exclusive-excludes-exclusive', 'release-unheld-fails', 'restricted-connection-changes-nothing']));
    expect(report.passed).toBe(false);
    expect(run.code).toBe(1);
    expect(report.checks.filter((check) => check.verdict === 'pass').length).toBeGreaterThan(0);
    expect(ours()).toEqual(before);
  }, 300_000);
});
