/**
 * `migrate`: one phase of a migration, a conversation between two domain statecharts on two
 * hosts; the world carries the cookie (the source's lock state) from one to the other. Phases
 * follow libvirt's v3 protocol: begin (source inquires), prepare (destination starts paused and
 * registers), perform (source stops and releases), finish (destination acquires and runs),
 * confirm (source is killed on success, re-acquires on failure); cancel tears down a stranded
 * destination.
 */
import { DomainIn } from '../../machines/states.ts';
import type { MigrationPhase, Step } from '../steps.ts';
import { callDomain, domainContext } from '../world/actors.ts';
import type { Draft } from '../world/draft.ts';
import { plainEvent } from '../world/events.ts';
import { migrateStep } from '../world/step-cache.ts';
import { viewOf, type WorldView } from '../world/view.ts';
import { nat, oneOf } from './read.ts';
import type { StepModule } from './module.ts';

type MigrateStep = Extract<Step, { kind: 'migrate' }>;

const PHASES: readonly MigrationPhase[] = ['begin', 'prepare', 'perform', 'finish', 'confirm', 'cancel'];

/** The host a migration of `vm` begins from: the first of its QEMUs whose vCPUs run. */
function sourceOf(view: WorldView, vm: number): number | undefined {
  // A plain loop: the enumerator asks this for every VM and host in every step.
  const procs = view.procsView;
  for (let i = 0; i < procs.length; i++) {
    const proc = procs[i]!;
    if (proc.vm === vm && DomainIn.vcpusRunning(view.domain(vm, proc.host))) return proc.host;
  }
  return undefined;
}

/** Whether `phase` of `vm`'s migration (to `to`, for begin) can be taken now. */
function enabledPhase(view: WorldView, vm: number, phase: MigrationPhase, to?: number): boolean {
  const migration = view.vmsView[vm]?.migration;
  if (phase === 'begin') {
    if (migration || to === undefined || to >= view.hostCount) return false;
    const from = sourceOf(view, vm);
    return from !== undefined && from !== to && DomainIn.devicesIdle(view.domain(vm, from)) &&
      DomainIn.shutoff(view.domain(vm, to));
  }
  if (!migration) return false;
  const src = view.domain(vm, migration.from);
  const dst = view.domain(vm, migration.to);
  switch (phase) {
    case 'prepare':
      return DomainIn.outgoingBegun(src) && DomainIn.shutoff(dst);
    case 'perform':
      return DomainIn.outgoingBegun(src) && DomainIn.incomingPrepared(dst);
    case 'finish':
      return DomainIn.outgoingPerformed(src) && DomainIn.incomingPrepared(dst);
    case 'confirm':
      return DomainIn.outgoingPerformed(src) && !DomainIn.incoming(dst);
    case 'cancel':
      return !DomainIn.outgoing(src) && DomainIn.incomingPrepared(dst);
  }
}

export const migrate: StepModule<MigrateStep> = {
  kind: 'migrate',
  role: 'workload',
  enabled(_ctx, world, phase, out) {
    if (phase === 'heal') return;
    const view = viewOf(world);
    for (let vm = 0; vm < world.vms.length; vm++) {
      if (!world.vms[vm]!.migration) {
        // A new migration is workload; the phases of one under way are not.
        if (phase !== 'all') continue;
        // No QEMU of the VM runs its vCPUs (most steps): no host to begin from, for any target.
        if (sourceOf(view, vm) === undefined) continue;
        for (let to = 0; to < view.hostCount; to++) {
          if (enabledPhase(view, vm, 'begin', to)) out.push(migrateStep(vm, 'begin', to));
        }
        continue;
      }
      for (const next of PHASES) {
        if (next !== 'begin' && enabledPhase(view, vm, next)) out.push(migrateStep(vm, next));
      }
    }
  },
  apply(ctx, d, step) {
    if (!enabledPhase(d, step.vm, step.phase, step.to)) return false;
    if (step.phase === 'begin') {
      const from = sourceOf(d, step.vm)!;
      if (!callDomain(ctx, d, step.vm, from, plainEvent('migrate.begin'))) return false;
      d.vms[step.vm] = { ...d.vms[step.vm]!, migration: { from, to: step.to! } };
      return true;
    }
    const { from, to } = d.vmsView[step.vm]!.migration!;
    switch (step.phase) {
      case 'prepare':
        return callDomain(ctx, d, step.vm, to, {
          type: 'migrate.prepare', lockState: domainContext(d, step.vm, from).cookie,
        } as never);
      case 'perform':
        return callDomain(ctx, d, step.vm, from, plainEvent('migrate.perform'));
      case 'finish':
        return callDomain(ctx, d, step.vm, to, plainEvent('migrate.finish'));
      case 'confirm':
        return callDomain(ctx, d, step.vm, from, { type: 'migrate.confirm',
          success: DomainIn.vcpusRunning(d.domain(step.vm, to)) } as never);
      case 'cancel':
        return callDomain(ctx, d, step.vm, to, plainEvent('migrate.cancel'));
    }
  },
  describe: (step, vm) =>
    `migrate ${vm(step.vm)} ${step.phase}${step.to === undefined ? '' : ` to h${step.to}`}`,
  read(fields) {
    const phase = oneOf(fields, 'phase', PHASES);
    return fields['to'] === undefined ? { kind: 'migrate', vm: nat(fields, 'vm'), phase }
      : { kind: 'migrate', vm: nat(fields, 'vm'), phase, to: nat(fields, 'to') };
  },
  scenario: {
    keywords: ['migrate'],
    usage: 'migrate web begin h1|prepare|perform|finish|confirm|cancel',
    parse: (_keyword, args, words) => (args[1] === 'begin'
      ? { vm: words.vm(args[0]), phase: 'begin', to: words.host(args[2]) }
      : { vm: words.vm(args[0]), phase: args[1] }),
  },
};

/** A migration ends when neither side is migrating any more. */
export function settleMigrations(d: Draft): void {
  d.vmsView.forEach((state, vm) => {
    const migration = state.migration;
    if (!migration) return;
    if (!DomainIn.outgoing(d.domain(vm, migration.from)) &&
      !DomainIn.incoming(d.domain(vm, migration.to))) {
      d.vms[vm] = { ...state, migration: null };
    }
  });
}
