/** `process-kill`: someone else SIGKILLs a QEMU. */
import { procDies } from '../world/actors.ts';
import { at } from '../steps/read.ts';
import type { FaultClass } from './class.ts';

export interface ProcessKillStep {
  readonly kind: 'fault';
  readonly fault: 'process-kill';
  readonly vm: number;
  readonly host: number;
}

export const processKill: FaultClass<ProcessKillStep> = {
  name: 'process-kill',
  summary: 'a QEMU process is SIGKILLed by someone else',
  history: '§7 QEMU crash or SIGKILL',
  enabled(_ctx, world, out) {
    for (const { vm, host } of world.procs) out.push({ kind: 'fault', fault: 'process-kill', vm, host });
  },
  steps: {
    apply(ctx, d, step) {
      const proc = d.proc(step.vm, step.host);
      if (!proc) return false;
      procDies(ctx, d, proc.pid, 'kill');
      return true;
    },
    describe: (step, vm) => `FAULT process-kill ${vm(step.vm)}@h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'process-kill', ...at(fields) }),
    scenario: { usage: 'fault process-kill web@h0', parse: (_k, args, words) => words.at(args[0]) },
    ends: 'kill',
  },
};
