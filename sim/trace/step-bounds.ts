/**
 * Whether the indices a well-formed step names exist in the trace's world: a crafted or foreign
 * trace may name VM 9 of 3, and the step would reach into nothing when applied. Checked when the
 * trace is read, so the problem is one `file:line:` error; everything else about a step is
 * judged by the world when it is applied.
 */
import type { Step } from '../steps.ts';
import { StepError } from '../steps/read.ts';

/** What a step may index: the world's shape and each VM's spares. */
export interface StepBounds {
  readonly hosts: number;
  readonly vms: number;
  readonly disks: number;
  /** Spare disks per VM, by VM index. */
  readonly spares: readonly number[];
}

export function checkStepBounds(step: Step, bounds: StepBounds): void {
  const within = (key: string, value: number | undefined, count: number, what: string) => {
    if (value !== undefined && value >= count) {
      throw new StepError(`'${key}' ${value} is out of range: the world has ${count} ${what}` +
        ` (0…${count - 1})`);
    }
  };
  const o = step as { vm?: number; host?: number; to?: number; disk?: number; spare?: number };
  within('vm', o.vm, bounds.vms, 'VMs');
  within('host', o.host, bounds.hosts, 'hosts');
  within('to', o.to, bounds.hosts, 'hosts');
  within('disk', o.disk, bounds.disks, 'disks');
  if (step.kind === 'attach') {
    within('spare', step.spare, bounds.spares[step.vm] ?? 0, `spares for VM ${step.vm}`);
  }
}
