/**
 * `lockchart conform`: the conformance suite (and, for lockd, the known virtlockd hazards)
 * against a driver: a live virtlockd a user already runs, or the in-memory model/nop drivers.
 */
import { existsSync } from 'node:fs';
import { formatResults, runConformance, type CheckResult } from '../../drivers/conformance/run.ts';
import { serviceHarness } from '../../drivers/conformance/model-harness.ts';
import type { HarnessFactory } from '../../drivers/conformance/harness.ts';
import { libvirtSupport } from '../../drivers/libvirt/build.ts';
import { libvirtHarness } from '../../drivers/libvirt/harness.ts';
import { lockdHarness, settle } from '../../drivers/lockd/harness.ts';
import {
  checkAliasing,
  checkUnregisteredReexec,
  type HazardResult,
} from '../../drivers/lockd/hazards.ts';
import { listeningPids } from '../../drivers/lockd/process-state.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import { createNopDriver } from '../../drivers/nop/driver.ts';
import { integerOption, parse } from '../args.ts';
import { CliError, type Command, type CommandIo } from '../command.ts';

const DRIVERS = ['lockd', 'libvirt-lockd', 'model', 'nop'] as const;
type DriverName = (typeof DRIVERS)[number];

interface Target {
  readonly driver: DriverName;
  readonly socket?: string;
  readonly lockspace?: string;
  readonly timeoutMs?: number;
}

function targetOf(values: Record<string, string | boolean | undefined>): Target {
  const given = values['driver'];
  if (typeof given !== 'string' || !(DRIVERS as readonly string[]).includes(given)) {
    throw new CliError(`conform: --driver must be one of ${DRIVERS.join(', ')}` +
      (given === undefined ? '' : `, got '${String(given)}'`));
  }
  const driver = given as DriverName;
  const socket = values['socket'] as string | undefined;
  const lockspace = values['lockspace'] as string | undefined;
  const daemonDriver = driver === 'lockd' || driver === 'libvirt-lockd';
  const lockdOnly = driver === 'libvirt-lockd' ? ['destructive', 'daemon-pid', 'timeout-ms']
    : daemonDriver ? [] : ['socket', 'lockspace', 'destructive', 'daemon-pid', 'timeout-ms'];
  for (const flag of lockdOnly) {
    if (values[flag] !== undefined) {
      throw new CliError(`conform: --${flag} only applies to --driver lockd`);
    }
  }
  if (!daemonDriver) return { driver };
  if (socket === undefined) throw new CliError(`conform: --driver ${driver} needs --socket PATH`);
  for (const [flag, path] of [['socket', socket], ['lockspace', lockspace]] as const) {
    if (path !== undefined && !path.startsWith('/')) {
      throw new CliError(`conform: --${flag} must be an absolute path, got '${path}'`);
    }
  }
  if (!existsSync(socket)) throw new CliError(`conform: no socket at '${socket}'`);
  const timeout = values['timeout-ms'] as string | undefined;
  return { driver, socket, ...(lockspace ? { lockspace } : {}),
    ...(timeout === undefined ? {} : { timeoutMs: integerOption(timeout, 'timeout-ms', 0) }) };
}

function factoryOf(target: Target): HarnessFactory {
  if (target.driver === 'model') return serviceHarness(() => createModelDriver());
  if (target.driver === 'nop') return serviceHarness(() => createNopDriver());
  if (target.driver === 'libvirt-lockd') {
    const missing = libvirtSupport('lockd');
    if (missing !== null) throw new CliError(`conform: cannot run libvirt's lockd.so here: ${missing}`);
    return libvirtHarness({ socket: target.socket!,
      ...(target.lockspace ? { lockspaceDir: target.lockspace } : {}) });
  }
  return lockdHarness({ socket: target.socket!,
    ...(target.lockspace ? { lockspaceDir: target.lockspace } : {}),
    ...(target.timeoutMs ? { timeoutMs: target.timeoutMs } : {}) });
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
    io.out(JSON.stringify({ ...target, passed, checks, hazards: found }, null, 2));
    return passed;
  }
  io.out(`conformance (${target.driver}${target.socket ? ` at ${target.socket}` : ''}` +
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

export const conformCommand: Command = {
  name: 'conform',
  summary: 'run the driver conformance suite (and virtlockd hazard checks) against a driver',
  usage: [
    'usage: lockchart conform --driver lockd --socket PATH [--lockspace DIR] [--json]',
    '                         [--destructive [--daemon-pid PID]] [--timeout-ms N]',
    '       lockchart conform --driver libvirt-lockd --socket PATH [--lockspace DIR] [--json]',
    '       lockchart conform --driver model|nop [--json]',
    '',
    'Runs every conformance check through the libvirt face and prints a verdict per check.',
    'lockd: against a live virtlockd on PATH, with real owner processes and temp files; direct',
    'leases, or indirect ones in lockspace DIR. Also checks the known hazards: path aliasing,',
    'and (only with --destructive: it makes virtlockd 9.0.0 exit, dropping every lock) SIGUSR1',
    'with an unregistered connection. libvirt-lockd: libvirt\'s own lockd.so (libvirt.so.0, run',
    'by the libvirt helper in a private /run whose virtlockd-sock is PATH), owners registered',
    'between fork and exec by libvirt\'s code. model and nop run in memory. Exit 0 only if nothing',
    'fails.',
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
    }, 'conform');
    if (positionals.length > 0) {
      throw new CliError(`conform: unexpected argument '${positionals[0]}'`);
    }
    const target = targetOf(values);
    if (target.socket) await reachable(target.socket);
    const checks = await runConformance(factoryOf(target));
    const found = target.driver === 'lockd'
      ? await hazards(target, values.destructive === true, values['daemon-pid']) : [];
    return report(io, values.json === true, target, checks, found) ? 0 : 1;
  },
};
