/** `process-crash`: a QEMU crashes; the kernel closes its lock connection (EOF). */
import { procDies } from '../world/actors.ts';
import { at } from '../steps/read.ts';
import type { FaultClass } from './class.ts';

export interface ProcessCrashStep {
  readonly kind: 'fault';
  readonly fault: 'process-crash';
  readonly vm: number;
  readonly host: number;
}

export const processCrash: FaultClass<ProcessCrashStep> = {
  name: 'process-crash',
  summary: 'a QEMU process crashes; its connection to the lock daemon closes (EOF)',
  history: '§5 shutdown/destroy/crash: no lock call, the daemon releases on EOF',
  enabled(_ctx, world, out) {
    for (const { vm, host } of world.procs) out.push({ kind: 'fault', fault: 'process-crash', vm, host });
  },
  steps: {
    apply(ctx, d, step) {
      const proc = d.proc(step.vm, step.host);
      if (!proc) return false;
      procDies(ctx, d, proc.pid, 'crash');
      return true;
    },
    describe: (step, vm) => `FAULT process-crash ${vm(step.vm)}@h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'process-crash', ...at(fields) }),
    scenario: { usage: 'fault process-crash web@h0', parse: (_k, args, words) => words.at(args[0]) },
    ends: 'crash',
  },
};
