/**
 * `daemon-reexec`: the lock daemon re-executes itself keeping its state (virtlockd's SIGUSR1);
 * a reply already queued may be lost after its call took effect (reference §6 #2,
 * virtlockd-protocol §5: 6 of 10 re-execs lost a reply).
 */
import { choiceVectors } from './choice-vectors.ts';
import { callsInOrder } from '../real-actions.ts';
import { bools, nat } from '../steps/read.ts';
import { callsOn, failInFlight, perform } from '../world/lock-calls.ts';
import type { FaultClass } from './class.ts';

export interface DaemonReexecStep {
  readonly kind: 'fault';
  readonly fault: 'daemon-reexec';
  readonly host: number;
  /** For each call in flight on that daemon (oldest first): was its reply lost? */
  readonly lost: readonly boolean[];
}

const yesNo = (flags: readonly boolean[]) => flags.map((flag) => (flag ? 'yes' : 'no')).join(',');

export const daemonReexec: FaultClass<DaemonReexecStep> = {
  name: 'daemon-reexec',
  summary: 'the lock daemon re-executes itself keeping its state; a queued reply may be lost',
  history: '§6 #2, virtlockd-protocol §5 (6 of 10 re-execs lost a reply)',
  enabled(_ctx, world, out) {
    for (let host = 0; host < world.hosts.length; host++) {
      out.push({ kind: 'fault', fault: 'daemon-reexec', host,
        lost: callsOn(world.pending, host).map(() => false) });
    }
  },
  steps: {
    apply(ctx, d, step) {
      // A shorter list (a hand-written scenario) leaves the calls it does not name answered.
      if (step.host >= d.hostCount) return false;
      const calls = callsOn(d.pending, step.host);
      d.service = ctx.model.daemonReexec(d.service, step.host);
      calls.forEach((call, i) => {
        if (!step.lost[i]) return;
        perform(ctx, d, call, { type: 'ok' });
        failInFlight(d, call, 'OPERATION_TIMEOUT', 'no reply from the lock daemon (lost in ' +
          're-exec); the call may have taken effect');
      });
      return true;
    },
    describe: (step) => `FAULT daemon-reexec h${step.host} (replies lost: ${yesNo(step.lost) || 'none'})`,
    read: (fields) => ({ kind: 'fault', fault: 'daemon-reexec', host: nat(fields, 'host'),
      lost: bools(fields, 'lost') }),
    scenario: {
      usage: 'fault daemon-reexec h0 [lost=yes,no]',
      parse: (_k, args, words) => ({ host: words.host(args[0]), lost: words.flags(args[1], 'lost') }),
    },
    choices: {
      all: (step) => choiceVectors(step.lost.length).map((lost) => ({ ...step, lost })),
      draw: (prng, step) => ({ ...step, lost: step.lost.map(() => prng.chance(0.5)) }),
    },
    real(ctx, before, _after, step) {
      const lost = callsOn(before.pending, step.host).filter((_, i) => step.lost[i]);
      return [{ kind: 'daemonReexec', host: step.host }, ...callsInOrder(ctx, before, lost, true)];
    },
  },
};
