/**
 * `path-alias`: while a VM is shut off, its configuration comes to reach a disk through another
 * spelling of its path (`//x`, a by-id symlink) (reference §6 #19, virtlockd-protocol §4).
 */
import { DomainIn } from '../../machines/states.ts';
import { nat } from '../steps/read.ts';
import type { SimContext } from '../world/context.ts';
import type { Draft } from '../world/draft.ts';
import { freshDomain } from '../world/setup.ts';
import type { DiskUse, VmState, World } from '../world/types.ts';
import type { FaultClass } from './class.ts';

export interface PathAliasStep {
  readonly kind: 'fault';
  readonly fault: 'path-alias';
  readonly vm: number;
  readonly disk: number;
  readonly spelling: number;
}

/** How many spellings storage offers each disk (`sim/world/storage.ts`). */
const SPELLINGS = 3;

const shutOffEverywhere = (domainOf: (host: number) => World['domains'][number], hosts: number) => {
  for (let host = 0; host < hosts; host++) if (!DomainIn.shutoff(domainOf(host))) return false;
  return true;
};

const uses = (state: VmState): readonly DiskUse[] =>
  [...state.definition.disks, ...state.definition.spares];

export const pathAlias: FaultClass<PathAliasStep> = {
  name: 'path-alias',
  summary: 'a VM reaches a disk through another spelling of its path (//x, a by-id symlink)',
  history: '§6 #19, virtlockd-protocol §4 aliasing hazard',
  enabled(ctx, world, out) {
    const hosts = world.hosts.length;
    world.vms.forEach((state, vm) => {
      if (!shutOffEverywhere((host) => world.domains[vm * hosts + host]!, hosts)) return;
      for (const use of uses(state)) {
        for (let spelling = 0; spelling < SPELLINGS; spelling++) {
          if (ctx.storage.spelling(use.disk, spelling) !== use.path) {
            out.push({ kind: 'fault', fault: 'path-alias', vm, disk: use.disk, spelling });
          }
        }
      }
    });
  },
  steps: {
    apply: (ctx, d, step) => respell(ctx, d, step.vm, step.disk, step.spelling),
    describe: (step, vm) => `FAULT path-alias ${vm(step.vm)} disk${step.disk} spelled #${step.spelling}`,
    read: (fields) => ({ kind: 'fault', fault: 'path-alias', vm: nat(fields, 'vm'),
      disk: nat(fields, 'disk'), spelling: nat(fields, 'spelling') }),
    scenario: {
      usage: 'fault path-alias web disk0 1',
      parse: (_k, args, words) => ({ vm: words.vm(args[0]), disk: words.disk(args[1]),
        spelling: Number(args[2]) }),
    },
  },
};

/** The VM's configuration now reaches `disk` through another spelling (while it is shut off). */
function respell(ctx: SimContext, d: Draft, vm: number, disk: number, spelling: number): boolean {
  const state = d.vms[vm];
  if (!state || spelling >= SPELLINGS || disk >= ctx.storage.count) return false;
  if (!shutOffEverywhere((host) => d.domain(vm, host), d.hostCount)) return false;
  const path = ctx.storage.spelling(disk, spelling);
  if (!uses(state).some((use) => use.disk === disk && use.path !== path)) return false;
  const respelled = (list: readonly DiskUse[]) =>
    list.map((use) => (use.disk === disk ? { ...use, path } : use));
  const definition = { ...state.definition, disks: respelled(state.definition.disks),
    spares: respelled(state.definition.spares) };
  d.vms[vm] = { ...state, definition };
  for (let host = 0; host < d.hostCount; host++) d.setDomain(vm, host, freshDomain(definition.disks));
  return true;
}
