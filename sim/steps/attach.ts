/** `attach`: hotplug one of the VM's spare disks (ImageAttach before device_add). */
import { callDomain } from '../world/actors.ts';
import { DOMAIN } from '../world/context.ts';
import { attachEvent } from '../world/events.ts';
import { attachStep } from '../world/step-cache.ts';
import type { Step } from '../steps.ts';
import { at, nat } from './read.ts';
import type { StepModule } from './module.ts';

type AttachStep = Extract<Step, { kind: 'attach' }>;

export const attach: StepModule<AttachStep> = {
  kind: 'attach',
  role: 'workload',
  enabled(_ctx, world, phase, out) {
    if (phase !== 'all') return;
    const hosts = world.hosts.length;
    world.vms.forEach((state, vm) => {
      const spares = state.definition.spares;
      for (let host = 0; host < hosts; host++) {
        const domain = world.domains[vm * hosts + host]!;
        for (let spare = 0; spare < spares.length; spare++) {
          if (DOMAIN.step(domain, attachEvent(spares[spare]!)).handled) {
            out.push(attachStep(vm, host, spare));
          }
        }
      }
    });
  },
  apply(ctx, d, step) {
    const use = d.vms[step.vm]?.definition.spares[step.spare];
    return use !== undefined && callDomain(ctx, d, step.vm, step.host, attachEvent(use));
  },
  describe: (step, vm) => `attach spare ${step.spare} to ${vm(step.vm)}@h${step.host}`,
  read: (fields) => ({ kind: 'attach', ...at(fields), spare: nat(fields, 'spare') }),
  scenario: {
    keywords: ['attach'],
    usage: 'attach web@h0 disk2',
    parse(_keyword, args, words) {
      const where = words.at(args[0]);
      return { ...where, spare: words.spare(where.vm, words.disk(args[1])) };
    },
  },
};
