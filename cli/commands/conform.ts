/**
 * `lockchart conform`: the conformance suite (and, for lockd, the known virtlockd hazards)
 * against a driver: a live virtlockd a user already runs, or the in-memory model/nop drivers.
 */
import { existsSync } from 'node:fs';
import { formatResults, runConformance, type CheckResult } from '../../conformance/run.ts';
import { serviceHarness } from '../../conformance/harnesses/model.ts';
import type { HarnessFactory } from '../../conformance/harness.ts';
import { libvirtSupport } from '../../drivers/libvirt/build.ts';
import { libvirtHarness } from '../../conformance/harnesses/libvirt.ts';
import { lockdHarness, settle } from '../../conformance/harnesses/lockd.ts';
import {
  checkAliasing,
  checkUnregisteredReexec,
  type HazardResult,
} from '../../conformance/hazards/lockd.ts';
import { listeningPids } from '../../system/process-state.ts';
import { lockDriverHarness } from '../../conformance/harnesses/driver.ts';
import type { DriverOffer } from '../../drivers/registry/offer.ts';
import { createServiceDriver } from '../../drivers/service-driver.ts';
import { unavailable } from '../../real/backends.ts';
import { offerOption } from '../sim-options.ts';
import { integerOption, parse } from '../args.ts';
import { CliError, type Command, type CommandIo } from '../command.ts';
import { conformSanlock, SANLOCK_DRIVERS, type SanlockDriverName } from './conform-sanlock.ts';

interface Target {
  readonly driver: string;
  readonly offer: DriverOffer;
  readonly socket?: string;
  readonly lockspace?: string;
  readonly timeoutMs?: number;
}

const LOCKD_FLAGS = ['socket', 'lockspace', 'destructive', 'daemon-pid', 'timeout-ms'];

async function targetOf(values: Record<string, string | boolean | undefined>): Promise<Target> {
  const given = values['driver'];
  if (typeof given !== 'string') {
    throw new CliError('conform: which driver? --driver NAME|PATH (built in: model, nop, ' +
      'canaries, ofd, posix, lockd, libvirt-lockd, sanlock, libvirt-sanlock; or a module ' +
      'exporting createDriver or model)');
  }
  const offer = await offerOption(given);
  const socket = values['socket'] as string | undefined;
  const lockspace = values['lockspace'] as string | undefined;
  const family = offer.driver?.family;
  const daemonDriver = family === 'lockd' || family === 'libvirt-lockd';
  // libvirt's lockd.so is driven by libvirt's code: no re-exec hazards, no client timeout.
  const notHere = family === 'libvirt-lockd' ? ['destructive', 'daemon-pid', 'timeout-ms']
    : daemonDriver ? [] : LOCKD_FLAGS;
  for (const flag of notHere) {
    if (values[flag] !== undefined) {
      throw new CliError(`conform: --${flag} only applies to --driver lockd`);
    }
  }
  if (!daemonDriver) {
    if (family === 'posix-naive') {
      throw new CliError('conform: posix-naive holds every lock in one process, where POSIX locks ' +
        'never conflict: it exists to show that trap (docs/decisions/kernel-locks.md), not to pass');
    }
    const missing = offer.driver ? unavailable(offer) : null;
    if (missing) throw new CliError(`conform: driver '${offer.name}' cannot run here: ${missing}`);
    return { driver: offer.name, offer };
  }
  if (socket === undefined) throw new CliError(`conform: --driver ${offer.name} needs --socket PATH`);
  for (const [flag, path] of [['socket', socket], ['lockspace', lockspace]] as const) {
    if (path !== undefined && !path.startsWith('/')) {
      throw new CliError(`conform: --${flag} must be an absolute path, got '${path}'`);
    }
  }
  if (!existsSync(socket)) throw new CliError(`conform: no socket at '${socket}'`);
  const timeout = values['timeout-ms'] as string | undefined;
  return { driver: offer.name, offer, socket, ...(lockspace ? { lockspace } : {}),
    ...(timeout === undefined ? {} : { timeoutMs: integerOption(timeout, 'timeout-ms', 0) }) };
}

/** How the suite runs the driver: its own harness for a built-in family, else the generic one. */
function factoryOf(target: Target): HarnessFactory {
  const { offer } = target;
  switch (offer.driver?.family) {
    case 'lockd':
      return lockdHarness({ socket: target.socket!,
        ...(target.lockspace ? { lockspaceDir: target.lockspace } : {}),
        ...(target.timeoutMs ? { timeoutMs: target.timeoutMs } : {}) });
    case 'libvirt-lockd': {
      const missing = libvirtSupport('lockd');
      if (missing !== null) throw new CliError(`conform: cannot run libvirt's lockd.so here: ${missing}`);
      return libvirtHarness({ socket: target.socket!,
        ...(target.lockspace ? { lockspaceDir: target.lockspace } : {}) });
    }
    case 'ofd':
    case 'posix': {
      // Loaded on demand: the kernel-lock drivers load native addons.
      const family = offer.driver.family;
      return async () => (await import('../../conformance/harnesses/kernel.ts'))
        .kernelHarness(family)();
    }
    case 'generic':
      return lockDriverHarness(offer.driver.create, offer.driver.config);
    default: {
      // A service model (built in, a canary, or a module's): in memory, behind the service adapter.
      const model = offer.model!;
      return serviceHarness(() => createServiceDriver(model.model), model.config);
    }
  }
}

async function reachable(socket: string): Promise<void> {
  try {
    await settle(socket);
  } catch (error) {
    throw new CliError(`conform: cannot talk to virtlockd at '${socket}': ` +
      `${error instanceof Error ? error.message : String(error)}`);
  }
}

async function hazards(target: Target, destructive: boolean, pidOption: string | undefined):
  Promise<HazardResult[]> {
  const socket = target.socket!;
  const results = [await checkAliasing(socket)];
  if (!destructive) {
    results.push({ id: 'unregistered-reexec', verdict: 'skip', facts: {},
      title: 'SIGUSR1 with an unregistered connection keeps the daemon and its locks',
      detail: 'destructive (virtlockd 9.0.0 exits and drops every lock): pass --destructive' });
    return results;
  }
  const pid = pidOption === undefined ? listeningPids(socket)[0]
    : integerOption(pidOption, 'daemon-pid', 0);
  if (pid === undefined || pid <= 0) {
    throw new CliError(`conform: cannot find the process listening on '${socket}'; ` +
      'give --daemon-pid PID');
  }
  results.push(await checkUnregisteredReexec(socket, pid));
  return results;
}

function formatHazards(results: readonly HazardResult[]): string {
  const width = Math.max(...results.map((result) => result.id.length));
  const marks = { pass: 'pass', fail: 'FAIL', warn: 'WARN', skip: 'skip' } as const;
  return results.map((result) =>
    `${marks[result.verdict]}  ${result.id.padEnd(width)}  ${result.title}  — ${result.detail}`)
    .join('\n');
}

function report(io: CommandIo, json: boolean, target: Target, checks: readonly CheckResult[],
  found: readonly HazardResult[]): boolean {
  const passed = checks.every((check) => check.verdict !== 'fail') &&
    found.every((hazard) => hazard.verdict !== 'fail');
  if (json) {
    const { offer, ...where } = target;
    io.out(JSON.stringify({ ...where, ...(offer.origin.kind === 'module'
      ? { module: offer.origin.path } : {}), passed, checks, hazards: found }, null, 2));
    return passed;
  }
  io.out(`conformance (${target.driver}${target.offer.origin.kind === 'module'
    ? ` from ${target.offer.origin.path}` : ''}${target.socket ? ` at ${target.socket}` : ''}` +
    `${target.lockspace ? `, lockspace ${target.lockspace}` : ''}):`);
  io.out(formatResults(checks));
  if (found.length > 0) {
    io.out('\nknown hazards:');
    io.out(formatHazards(found));
  }
  const failed = checks.filter((c) => c.verdict === 'fail').length +
    found.filter((h) => h.verdict === 'fail').length;
  io.out(`\n${passed ? 'all checks passed' : `${failed} check(s) failed`}`);
  return passed;
}

async function runSanlock(driver: SanlockDriverName,
  values: Record<string, string | boolean | undefined>, io: CommandIo): Promise<number> {
  for (const flag of ['lockspace', 'destructive', 'daemon-pid', 'timeout-ms']) {
    if (values[flag] !== undefined) throw new CliError(`conform: --${flag} only applies to --driver lockd`);
  }
  const socket = values['socket'] as string | undefined;
  const leaseDir = values['lease-dir'] as string | undefined;
  const hostId = values['host-id'] as string | undefined;
  const { checks, where } = await conformSanlock({ driver, ...(socket ? { socket } : {}),
    ...(leaseDir ? { leaseDir } : {}), ...(hostId ? { hostId } : {}) });
  const passed = checks.every((check) => check.verdict !== 'fail');
  if (values['json'] === true) {
    io.out(JSON.stringify({ driver, where, passed, checks }, null, 2));
    return passed ? 0 : 1;
  }
  io.out(`conformance (${driver} at ${where}):`);
  io.out(formatResults(checks));
  const failed = checks.filter((c) => c.verdict === 'fail').length;
  io.out(`\n${passed ? 'all checks passed' : `${failed} check(s) failed`}`);
  if (!passed && driver === 'libvirt-sanlock') {
    io.out("libvirt's sanlock.so fails checks by design of its code: findings S1–S4 in docs/libvirt.md");
  }
  return passed ? 0 : 1;
}

export const conformCommand: Command = {
  name: 'conform',
  summary: 'run the driver conformance suite (and virtlockd hazard checks) against a driver',
  usage: [
    'usage: lockchart conform --driver lockd --socket PATH [--lockspace DIR] [--json]',
    '                         [--destructive [--daemon-pid PID]] [--timeout-ms N]',
    '       lockchart conform --driver libvirt-lockd --socket PATH [--lockspace DIR] [--json]',
    '       lockchart conform --driver sanlock|libvirt-sanlock [--socket PATH --lease-dir DIR]',
    '                         [--host-id N] [--json]',
    '       lockchart conform --driver model|nop|ofd|posix|CANARY|PATH [--json]',
    '',
    'Runs every conformance check through the libvirt face and prints a verdict per check.',
    'lockd: against a live virtlockd on PATH, with real owner processes and temp files; direct',
    'leases, or indirect ones in lockspace DIR. Also checks the known hazards: path aliasing,',
    'and (only with --destructive: it makes virtlockd 9.0.0 exit, dropping every lock) SIGUSR1',
    'with an unregistered connection. libvirt-lockd: libvirt\'s own lockd.so (libvirt.so.0, run',
    'by the libvirt helper in a private /run whose virtlockd-sock is PATH), owners registered',
    'between fork and exec by libvirt\'s code. model, nop and the canaries run in memory; ofd and',
    'posix with real files and owner processes. PATH is a module (docs/plugins.md): its',
    'createDriver runs with real disk files and real owner processes, a model-only module in',
    'memory. sanlock: the real daemon through the sanlock driver (auto disk leases): a daemon you',
    'run (its socket, and the disk_lease_dir of its lockspace), or a private one started and',
    'stopped here (root, /usr/sbin/sanlock). libvirt-sanlock: the same through libvirt\'s own',
    'sanlock.so (package libvirt-sanlock), owners registered between fork and exec by libvirt\'s',
    'code; a socket of yours must be SANLOCK_RUN_DIR/sanlock.sock. sanlock.so fails some checks',
    'by design (docs/libvirt.md, S1-S4). Exit 0 only if nothing fails.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      driver: { type: 'string' },
      socket: { type: 'string' },
      lockspace: { type: 'string' },
      json: { type: 'boolean' },
      destructive: { type: 'boolean' },
      'daemon-pid': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'lease-dir': { type: 'string' },
      'host-id': { type: 'string' },
    }, 'conform');
    if (positionals.length > 0) {
      throw new CliError(`conform: unexpected argument '${positionals[0]}'`);
    }
    const sanlockDriver = SANLOCK_DRIVERS.find((name) => name === values.driver);
    if (sanlockDriver) return runSanlock(sanlockDriver, values, io);
    for (const flag of ['lease-dir', 'host-id'] as const) {
      if (values[flag] !== undefined) {
        throw new CliError(`conform: --${flag} only applies to --driver sanlock or libvirt-sanlock`);
      }
    }
    const target = await targetOf(values);
    if (target.socket) await reachable(target.socket);
    const checks = await runConformance(factoryOf(target));
    const found = target.offer.driver?.family === 'lockd'
      ? await hazards(target, values.destructive === true, values['daemon-pid']) : [];
    return report(io, values.json === true, target, checks, found) ? 0 : 1;
  },
};
