/**
 * `lockchart conform --driver sanlock|libvirt-sanlock`: the conformance suite against the real
 * sanlock daemon with libvirt's automatic disk leases, through lockchart's sanlock driver
 * (`sanlock`) or libvirt's own sanlock.so driven by the libvirt helper (`libvirt-sanlock`).
 * Either a daemon the user runs (`--socket PATH --lease-dir DIR [--host-id N]`), or — without
 * `--socket` — a private one started here (`SANLOCK_PRIVILEGED=0`, its own run directory,
 * `-w 0`) on a temporary lease directory, both gone when the command ends (exit, error or
 * Ctrl-C: `daemons/sanlock.ts`).
 *
 * sanlock.so reaches its daemon as libsanlock does, through `SANLOCK_RUN_DIR`: a socket given for
 * it must be that directory's `sanlock.sock`. It fails some checks by the design of libvirt's
 * code (findings S1–S4, docs/libvirt.md); the command says so, and exits 1 as for any failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HarnessFactory } from '../../conformance/harness.ts';
import { libvirtSanlockHarness } from '../../conformance/harnesses/libvirt.ts';
import { sanlockHarness } from '../../conformance/harnesses/sanlock.ts';
import { runConformance, type CheckResult } from '../../conformance/run.ts';
import { privateDaemonMissing, SanlockDaemon } from '../../daemons/sanlock.ts';
import { libvirtSupport } from '../../drivers/libvirt/build.ts';
import { socketIn } from '../../drivers/sanlock/client.ts';
import { integerOption } from '../args.ts';
import { CliError } from '../command.ts';

/** The drivers this command runs on sanlock daemons. */
export const SANLOCK_DRIVERS = ['sanlock', 'libvirt-sanlock'] as const;
export type SanlockDriverName = typeof SANLOCK_DRIVERS[number];

export interface SanlockTarget {
  readonly driver: SanlockDriverName;
  readonly socket?: string;
  readonly leaseDir?: string;
  readonly hostId?: string;
}

/** Where the suite runs: a daemon's socket, and the lease directory of its lockspace. */
interface Daemon {
  readonly socket: string;
  readonly leaseDir: string;
  readonly hostId: number;
}

function harnessFor(driver: SanlockDriverName, daemon: Daemon): HarnessFactory {
  return driver === 'sanlock' ? sanlockHarness(daemon)
    : libvirtSanlockHarness({ runDir: dirname(daemon.socket), leaseDir: daemon.leaseDir,
      hostId: daemon.hostId });
}

/**
 * Checks the arguments, then what this machine has, before anything starts: one clear line for
 * whatever is wrong. Returns the host_id.
 */
function checkTarget(target: SanlockTarget): number {
  const hostId = integerOption(target.hostId, 'host-id', 1);
  if (hostId < 1 || hostId > 2000) throw new CliError(`conform: --host-id must be 1…2000, got ${hostId}`);
  const { socket, leaseDir } = target;
  if (socket === undefined && leaseDir !== undefined) {
    throw new CliError('conform: --lease-dir goes with --socket');
  }
  if (socket !== undefined) {
    if (!socket.startsWith('/')) throw new CliError(`conform: --socket must be an absolute path, got '${socket}'`);
    if (target.driver === 'libvirt-sanlock' && socketIn(dirname(socket)) !== socket) {
      throw new CliError('conform: sanlock.so finds its daemon through SANLOCK_RUN_DIR: --socket ' +
        `must be '${socketIn(dirname(socket))}', got '${socket}'`);
    }
  }
  if (target.driver === 'libvirt-sanlock') {
    const missing = libvirtSupport('sanlock');
    if (missing !== null) throw new CliError(`conform: cannot run libvirt's sanlock.so here: ${missing}`);
  }
  if (socket === undefined) return hostId;
  if (!existsSync(socket)) throw new CliError(`conform: no socket at '${socket}'`);
  if (leaseDir === undefined || !leaseDir.startsWith('/')) {
    throw new CliError(`conform: --driver ${target.driver} --socket PATH needs --lease-dir DIR (absolute)`);
  }
  return hostId;
}

/** Runs the suite; the checks' results and where it ran. */
export async function conformSanlock(target: SanlockTarget):
  Promise<{ checks: CheckResult[]; where: string }> {
  const hostId = checkTarget(target);
  if (target.socket !== undefined) {
    const checks = await runConformance(harnessFor(target.driver, { socket: target.socket,
      leaseDir: target.leaseDir!, hostId }));
    return { checks, where: `${target.socket}, leases in ${target.leaseDir}` };
  }
  const missing = privateDaemonMissing();
  if (missing) throw new CliError(`conform: cannot start a private sanlock daemon here: ${missing}`);
  const leaseDir = mkdtempSync(join(tmpdir(), 'lockchart-conform-leases-'));
  let daemon: SanlockDaemon | null = null;
  try {
    daemon = await SanlockDaemon.start();
    const checks = await runConformance(harnessFor(target.driver, { socket: daemon.socketPath,
      leaseDir, hostId }));
    return { checks, where: `a private daemon (${daemon.socketPath})` };
  } finally {
    await daemon?.stop();
    rmSync(leaseDir, { recursive: true, force: true });
  }
}
