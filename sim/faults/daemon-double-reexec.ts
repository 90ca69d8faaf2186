/**
 * `daemon-double-reexec`: two SIGUSR1s reach the lock daemon 2 ms apart. The second arrives
 * before the new image has installed its handler, so virtlockd dies of SIGUSR1 and every lock it
 * held is gone; socket activation starts it again, and the new daemon ignores the state file it
 * finds ("old magic"): it starts empty while the VMs keep running (virtlockd-protocol §5, seen
 * here; `systemctl reload` run twice in a row is enough).
 */
import { nat } from '../steps/read.ts';
import type { FaultClass } from './class.ts';
import { daemonDiesAndRestarts } from './daemon-crash.ts';

export interface DaemonDoubleReexecStep {
  readonly kind: 'fault';
  readonly fault: 'daemon-double-reexec';
  readonly host: number;
}

export const daemonDoubleReexec: FaultClass<DaemonDoubleReexecStep> = {
  name: 'daemon-double-reexec',
  summary: 'two re-exec signals 2 ms apart: the daemon dies of the second and restarts empty',
  history: 'virtlockd-protocol §5 (two SIGUSR1s 2 ms apart: died of SIGUSR1, "old magic" on restart)',
  enabled(_ctx, world, out) {
    for (let host = 0; host < world.hosts.length; host++) {
      out.push({ kind: 'fault', fault: 'daemon-double-reexec', host });
    }
  },
  steps: {
    apply(ctx, d, step) {
      if (step.host >= d.hostCount) return false;
      daemonDiesAndRestarts(ctx, d, step.host);
      d.note(`the daemon on h${step.host} died of its second SIGUSR1 and restarted empty`);
      return true;
    },
    describe: (step) => `FAULT daemon-double-reexec h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'daemon-double-reexec', host: nat(fields, 'host') }),
    scenario: {
      usage: 'fault daemon-double-reexec h0',
      parse: (_keyword, args, words) => ({ host: words.host(args[0]) }),
    },
  },
};
