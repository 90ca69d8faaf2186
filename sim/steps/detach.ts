/** `detach`: unplug a disk hotplug plugged (ImageDetach after the removal completes). */
import { callDomain, domainContext } from '../world/actors.ts';
import { DOMAIN } from '../world/context.ts';
import { detachEvent } from '../world/events.ts';
import { detachStep } from '../world/step-cache.ts';
import type { Step } from '../steps.ts';
import { at, nat } from './read.ts';
import type { StepModule } from './module.ts';

type DetachStep = Extract<Step, { kind: 'detach' }>;

export const detach: StepModule<DetachStep> = {
  kind: 'detach',
  role: 'workload',
  enabled(_ctx, world, phase, out) {
    if (phase !== 'all') return;
    const hosts = world.hosts.length;
    world.vms.forEach((state, vm) => {
      for (let host = 0; host < hosts; host++) {
        const domain = world.domains[vm * hosts + host]!;
        const attached = (domain.snapshot.context as { disks: { name: string }[] }).disks;
        // The workload unplugs what hotplug plugged; boot disks stay.
        for (const disk of attached) {
          for (const spare of state.definition.spares) {
            if (spare.path === disk.name && DOMAIN.step(domain, detachEvent(disk.name)).handled) {
              out.push(detachStep(vm, host, spare.disk));
            }
          }
        }
      }
    });
  },
  apply(ctx, d, step) {
    const spec = domainContext(d, step.vm, step.host).disks
      .find((disk) => ctx.storage.resolve(disk.name) === step.disk);
    return spec !== undefined && callDomain(ctx, d, step.vm, step.host, detachEvent(spec.name));
  },
  describe: (step, vm) => `detach disk${step.disk} from ${vm(step.vm)}@h${step.host}`,
  read: (fields) => ({ kind: 'detach', ...at(fields), disk: nat(fields, 'disk') }),
  scenario: {
    keywords: ['detach'],
    usage: 'detach web@h0 disk2',
    parse: (_keyword, args, words) => ({ ...words.at(args[0]), disk: words.disk(args[1]) }),
  },
};
