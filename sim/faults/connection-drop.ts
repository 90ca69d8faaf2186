/**
 * `connection-drop`: the lock connection leaked into QEMU closes while QEMU lives (a QEMU bug,
 * an fd closed); the daemon releases and, if it released anything, kills the owner
 * (reference §6 #22).
 */
import { ProcessIn } from '../../machines/states.ts';
import { procDies } from '../world/actors.ts';
import { at } from '../steps/read.ts';
import type { SimContext } from '../world/context.ts';
import type { Proc } from '../world/types.ts';
import type { FaultClass } from './class.ts';

export interface ConnectionDropStep {
  readonly kind: 'fault';
  readonly fault: 'connection-drop';
  readonly vm: number;
  readonly host: number;
}

/** An exec'd QEMU with a registered connection of its own. */
const connected = (ctx: SimContext, service: unknown, proc: Proc | undefined): proc is Proc =>
  proc !== undefined && ProcessIn.execd(proc.actor) &&
  ctx.model.registration(service, proc.pid) !== 'none';

export const connectionDrop: FaultClass<ConnectionDropStep> = {
  name: 'connection-drop',
  summary: "a QEMU's own lock-daemon connection closes while QEMU lives",
  history: '§6 #22',
  enabled(ctx, world, out) {
    for (const proc of world.procs) {
      if (connected(ctx, world.service, proc)) {
        out.push({ kind: 'fault', fault: 'connection-drop', vm: proc.vm, host: proc.host });
      }
    }
  },
  steps: {
    apply(ctx, d, step) {
      const proc = d.proc(step.vm, step.host);
      if (!connected(ctx, d.service, proc)) return false;
      const gone = ctx.model.ownerGone(d.service, { pid: proc.pid, host: step.host });
      d.service = gone.state;
      d.note(`daemon released ${gone.released} lock(s) of pid ${proc.pid}` +
        (gone.kill ? ' and kills it' : ' and lets it run'));
      if (gone.kill) procDies(ctx, d, proc.pid, 'kill');
      return true;
    },
    describe: (step, vm) => `FAULT connection-drop ${vm(step.vm)}@h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'connection-drop', ...at(fields) }),
    scenario: { usage: 'fault connection-drop web@h0', parse: (_k, args, words) => words.at(args[0]) },
    real(_ctx, before, after, step) {
      const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host)!;
      return [{ kind: 'dropConnection', pid: proc.pid,
        expectKilled: !after.procs.some((p) => p.pid === proc.pid) }];
    },
    ends: null,
  },
};
