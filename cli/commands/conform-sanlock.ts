/**
 * `lockchart conform --driver sanlock`: the conformance suite against the real sanlock daemon,
 * through lockchart's sanlock driver with libvirt's automatic disk leases. Either a daemon the
 * user runs (`--socket PATH --lease-dir DIR [--host-id N]`), or — without `--socket` — a private
 * one started here (`SANLOCK_PRIVILEGED=0`, its own run directory, `-w 0`) on a temporary lease
 * directory, both gone when the command ends (exit, error or Ctrl-C: `daemons/sanlock.ts`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sanlockHarness } from '../../conformance/harnesses/sanlock.ts';
import { runConformance, type CheckResult } from '../../conformance/run.ts';
import { SANLOCK_BINARY, SanlockDaemon } from '../../daemons/sanlock.ts';
import { integerOption } from '../args.ts';
import { CliError } from '../command.ts';

/** Why a private daemon cannot be started here, or null. */
export function sanlockMissing(): string | null {
  if (!existsSync(SANLOCK_BINARY)) return `${SANLOCK_BINARY} is not installed (Debian package sanlock)`;
  if (process.getuid?.() !== 0) return 'a private sanlock daemon is started as root';
  return null;
}

export interface SanlockTarget {
  readonly socket?: string;
  readonly leaseDir?: string;
  readonly hostId?: string;
}

/** Runs the suite; the checks' results and where it ran. */
export async function conformSanlock(target: SanlockTarget):
  Promise<{ checks: CheckResult[]; where: string }> {
  const hostId = integerOption(target.hostId, 'host-id', 1);
  if (hostId < 1 || hostId > 2000) throw new CliError(`conform: --host-id must be 1…2000, got ${hostId}`);
  if (target.socket !== undefined) {
    if (!target.socket.startsWith('/')) throw new CliError(`conform: --socket must be an absolute path, got '${target.socket}'`);
    if (!existsSync(target.socket)) throw new CliError(`conform: no socket at '${target.socket}'`);
    if (target.leaseDir === undefined || !target.leaseDir.startsWith('/')) {
      throw new CliError('conform: --driver sanlock --socket PATH needs --lease-dir DIR (absolute)');
    }
    const checks = await runConformance(sanlockHarness({ socket: target.socket,
      leaseDir: target.leaseDir, hostId }));
    return { checks, where: `${target.socket}, leases in ${target.leaseDir}` };
  }
  if (target.leaseDir !== undefined) throw new CliError('conform: --lease-dir goes with --socket');
  const missing = sanlockMissing();
  if (missing) throw new CliError(`conform: cannot start a private sanlock daemon here: ${missing}`);
  const leaseDir = mkdtempSync(join(tmpdir(), 'lockchart-conform-leases-'));
  let daemon: SanlockDaemon | null = null;
  try {
    daemon = await SanlockDaemon.start();
    const checks = await runConformance(sanlockHarness({ socket: daemon.socketPath, leaseDir, hostId }));
    return { checks, where: `a private daemon (${daemon.socketPath})` };
  } finally {
    await daemon?.stop();
    rmSync(leaseDir, { recursive: true, force: true });
  }
}
