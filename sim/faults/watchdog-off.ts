/**
 * `watchdog-off`: a host loses its watchdog — wdmd stopped cleanly (it disarms /dev/watchdog),
 * the device gone, sanlock restarted with `-w 0`. Nothing changes at once; it removes the third
 * level of sanlock's protection (reference §4), so a later daemon crash or stop on that host is
 * no longer fenced: alone it is safe, with `daemon-crash` or `process-pause` it is not (run them
 * together: `--faults watchdog-off,daemon-crash`). Strikes a lock service on the virtual clock.
 */
import { nat } from '../steps/read.ts';
import { serviceEvent } from '../world/service-clock.ts';
import type { FaultClass } from './class.ts';
import { onEveryHost } from './timed.ts';

export interface WatchdogOffStep {
  readonly kind: 'fault';
  readonly fault: 'watchdog-off';
  readonly host: number;
}

export const watchdogOff: FaultClass<WatchdogOffStep> = {
  name: 'watchdog-off',
  summary: 'a host loses its watchdog (wdmd stopped, -w 0): nothing fences it any more',
  history: '§6 #18 (sanlock without a watchdog), reference sanlock.md §6 (daemon SIGKILLed with ' +
    '-w 0: split brain observed)',
  needsClock: true,
  enabled(ctx, world, out) {
    onEveryHost(ctx, world, out, (host) => ({ kind: 'fault', fault: 'watchdog-off', host }));
  },
  steps: {
    apply: (ctx, d, step) => step.host < d.hostCount &&
      serviceEvent(ctx, d, { kind: 'watchdog-off', host: step.host }),
    describe: (step) => `FAULT watchdog-off h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'watchdog-off', host: nat(fields, 'host') }),
    scenario: { usage: 'fault watchdog-off h0', parse: (_k, args, words) => ({ host: words.host(args[0]) }) },
    unreal: 'the real daemons here always run without a watchdog (-w 0, no /dev/watchdog): there ' +
      'is none to switch off',
  },
};
