/**
 * `supervisor-crash`: under the RFC design (`--design rfc`), the supervisor that holds a VM's
 * leases dies while its child, the VM, runs. The leases were held on the supervisor's
 * connection, so the lock service releases them (and, if the driver says so, kills the owner);
 * nothing in the RFC stops the child, which keeps running and writing. Only the RFC design has
 * supervisors: under the libvirt design this class never strikes.
 */
import { ProcessIn } from '../../machines/states.ts';
import { at } from '../steps/read.ts';
import { liveSupervisor, supervisorDies } from '../world/supervisor.ts';
import type { FaultClass } from './class.ts';

export interface SupervisorCrashStep {
  readonly kind: 'fault';
  readonly fault: 'supervisor-crash';
  readonly vm: number;
  readonly host: number;
}

export const supervisorCrash: FaultClass<SupervisorCrashStep> = {
  name: 'supervisor-crash',
  summary: "the RFC design's supervisor dies while its child VM runs; its leases go with it",
  history: 'RFC 2010 (seed): the supervisor holds the leases and starts the VM as its child',
  enabled(_ctx, world, out) {
    if (world.supervisors.length === 0) return;
    for (const proc of world.procs) {
      if (ProcessIn.execd(proc.actor) && liveSupervisor(world, proc.vm, proc.host)) {
        out.push({ kind: 'fault', fault: 'supervisor-crash', vm: proc.vm, host: proc.host });
      }
    }
  },
  steps: {
    apply(ctx, d, step) {
      const proc = d.proc(step.vm, step.host);
      if (!proc || !ProcessIn.execd(proc.actor)) return false;
      return supervisorDies(ctx, d, step.vm, step.host);
    },
    describe: (step, vm) => `FAULT supervisor-crash ${vm(step.vm)}@h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'supervisor-crash', ...at(fields) }),
    scenario: { usage: 'fault supervisor-crash web@h0', parse: (_k, args, words) => words.at(args[0]) },
    unreal: 'real mode runs the libvirt design only; no backend has an RFC supervisor',
    ends: null,
  },
};
