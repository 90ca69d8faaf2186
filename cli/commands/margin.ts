/**
 * `lockchart margin`: the lease model's safety margin for given timeouts, found by searching
 * with the simulator (`sim/margin/search.ts`), printed next to what sanlock's timing formulas
 * say (docs/sanlock.md, "The fencing margin").
 */
import { LockError } from '../../contract/errors.ts';
import { describeParams } from '../../drivers/lease/params.ts';
import { searchMargin, type MarginResult } from '../../sim/margin/search.ts';
import { integerOption, parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { driverOption } from '../sim-options.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

/** What sanlock's formulas predict, for the comparison (none of it feeds the search). */
function formula(result: MarginResult) {
  const p = result.params;
  return {
    // The watchdog fires fire_timeout after wdmd's last keepalive, ≤ 1 s before the expiry.
    marginMs: p.useWatchdog ? p.hostDeadMs - (p.idRenewalFailMs - 1000 + p.fireTimeoutMs) : null,
    // Without it: silent from just before a renewal, the takeover comes host_dead later.
    pauseMs: p.useWatchdog ? null : p.hostDeadMs - p.idRenewalMs,
    driftRate: p.useWatchdog ? p.hostDeadMs / (p.idRenewalFailMs - 1000 + p.fireTimeoutMs) : 1,
  };
}

function report(driver: string, result: MarginResult): string[] {
  const p = result.params;
  const f = formula(result);
  const lines = [`margin of ${driver}: ${describeParams(p)}`];
  lines.push(result.pauseMs === null
    ? `  daemon pause that breaks exclusion:  none up to ${seconds(result.pauseLimitMs)} ` +
      '(the watchdog resets the silent host before another may take its leases)'
    : `  daemon pause that breaks exclusion:  ${seconds(result.pauseMs)}, starting ` +
      `${seconds(result.pausePhaseMs!)} after a renewal` +
      (f.pauseMs === null ? '' : `  (formula host_dead − id_renewal: ${seconds(f.pauseMs)})`));
  lines.push(result.jumpMs === null
    ? `  observer clock jump that breaks it:  none up to ${seconds(result.jumpLimitMs)} (larger ` +
      "jumps fail the observer's own lease first)"
    : result.jumpMs === 0 ? '  observer clock jump that breaks it:  none needed: a host silent ' +
      'for good loses exclusion as it is'
      : `  observer clock jump that breaks it:  ${seconds(result.jumpMs)}`);
  lines.push(result.driftRate === null ? '  observer clock drift that breaks it: none up to 2× fast'
    : result.driftRate === 1 ? '  observer clock drift that breaks it: none needed'
      : `  observer clock drift that breaks it: ${((result.driftRate - 1) * 100).toFixed(3)} % fast ` +
        `(formula host_dead / (id_renewal_fail − 1 s + fire_timeout): ` +
        `${((f.driftRate - 1) * 100).toFixed(3)} %)`);
  if (result.jumpMs !== null && result.jumpMs > 0) {
    lines.push(`safety margin: ${seconds(result.jumpMs)} (formula host_dead − (id_renewal_fail − ` +
      `1 s + watchdog_fire_timeout): ${seconds(f.marginMs!)}; the search includes the 3 ms ` +
      "libvirt's start path takes in the simulator)");
  } else {
    lines.push('safety margin: none — a daemon silent long enough loses exclusion whatever ' +
      'the clocks say (no fencing, or fencing too late)');
  }
  lines.push(`(${result.probes} simulator probes)`);
  return lines;
}

export const marginCommand: Command = {
  name: 'margin',
  summary: "the lease model's fencing margin: the smallest pause, jump or drift that breaks exclusion",
  usage: [
    'usage: lockchart margin --driver lease [--io-timeout S] [--watchdog on|off]',
    '                        [--kill-grace S] [--watchdog-fire-timeout S] [--json]',
    '',
    "Searches with the simulator for the smallest disturbance of sanlock's timing that lets a",
    "second host take a lease while the first host's VM still runs: a stopped daemon (SIGSTOP),",
    "a forward jump or a drift of the observing host's clock. Prints each, the safety margin in",
    "seconds, and what sanlock's formulas predict (docs/sanlock.md). The timeouts are sanlock's:",
    'io_timeout (default 10), -w (the watchdog), -g (kill grace, 40), the watchdog fire timeout',
    '(60). --driver takes the lease model or one of its canaries (canary-lease-*).',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      driver: { type: 'string' },
      'io-timeout': { type: 'string' },
      watchdog: { type: 'string' },
      'kill-grace': { type: 'string' },
      'watchdog-fire-timeout': { type: 'string' },
      json: { type: 'boolean' },
    }, 'margin');
    if (positionals.length > 0) throw new CliError(`margin: unexpected argument '${positionals[0]}'`);
    if (values.driver === undefined) throw new CliError('margin: which driver? --driver lease');
    const driver = await driverOption(values.driver);
    if (!driver.model.timed || !/^(lease|model-sanlock|canary-lease-)/.test(driver.name)) {
      throw new CliError(`margin: driver '${driver.name}' has no lease timing (use --driver lease)`);
    }
    const watchdog = values.watchdog;
    if (watchdog !== undefined && watchdog !== 'on' && watchdog !== 'off') {
      throw new CliError(`margin: --watchdog must be on or off, got '${watchdog}'`);
    }
    const config = { ...driver.config,
      ...(values['io-timeout'] === undefined ? {} : { io_timeout: integerOption(values['io-timeout'], 'io-timeout', 10) }),
      ...(values['kill-grace'] === undefined ? {} : { kill_grace_seconds: integerOption(values['kill-grace'], 'kill-grace', 40) }),
      ...(values['watchdog-fire-timeout'] === undefined ? {}
        : { watchdog_fire_timeout: integerOption(values['watchdog-fire-timeout'], 'watchdog-fire-timeout', 60) }),
      ...(watchdog === undefined ? {} : { use_watchdog: watchdog === 'on' ? 1 : 0 }),
    };
    let result: MarginResult;
    try {
      result = searchMargin(driver.model, config);
    } catch (error) {
      if (error instanceof LockError) throw new CliError(`margin: ${error.message}`);
      throw error;
    }
    if (values.json === true) {
      const { params, ...found } = result;
      io.out(JSON.stringify({ driver: driver.name, config, ...found, formula: formula(result),
        params }, null, 2));
    } else {
      for (const line of report(driver.name, result)) io.out(line);
    }
    return 0;
  },
};
