/**
 * Migration is a conversation between two domain statecharts on two hosts; the world carries
 * the cookie (the source's lock state) from one to the other. Phases follow libvirt's v3
 * protocol: begin (source inquires), prepare (destination starts paused and registers),
 * perform (source stops and releases), finish (destination acquires and runs), confirm (source
 * is killed on success, re-acquires on failure); cancel tears down a stranded destination.
 */
import { DomainIn } from '../../machines/states.ts';
import type { MigrationPhase } from '../steps.ts';
import { callDomain, domainContext } from './actors.ts';
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import { plainEvent } from './events.ts';


export function migrate(
  ctx: SimContext,
  d: Draft,
  vm: number,
  phase: MigrationPhase,
  to: number | undefined,
): boolean {
  const migration = d.vms[vm]!.migration;
  if (phase === 'begin') {
    if (migration || to === undefined || to < 0 || to >= d.hostCount) return false;
    const from = d.procs.find((proc) => proc.vm === vm &&
      DomainIn.vcpusRunning(d.domain(vm, proc.host)))?.host;
    if (from === undefined || from === to || !DomainIn.shutoff(d.domain(vm, to))) return false;
    if (!callDomain(ctx, d, vm, from, plainEvent('migrate.begin'))) return false;
    d.vms[vm] = { ...d.vms[vm]!, migration: { from, to } };
    return true;
  }
  if (!migration) return false;
  const { from, to: dest } = migration;
  switch (phase) {
    case 'prepare':
      if (!DomainIn.outgoingBegun(d.domain(vm, from))) return false;
      return callDomain(ctx, d, vm, dest, {
        type: 'migrate.prepare', lockState: domainContext(d, vm, from).lockState,
      } as never);
    case 'perform':
      if (!DomainIn.incomingPrepared(d.domain(vm, dest))) return false;
      return callDomain(ctx, d, vm, from, plainEvent('migrate.perform'));
    case 'finish':
      if (!DomainIn.outgoingPerformed(d.domain(vm, from))) return false;
      return callDomain(ctx, d, vm, dest, plainEvent('migrate.finish'));
    case 'confirm': {
      if (DomainIn.incoming(d.domain(vm, dest)) || !DomainIn.outgoingPerformed(d.domain(vm, from))) {
        return false;
      }
      const success = DomainIn.vcpusRunning(d.domain(vm, dest));
      return callDomain(ctx, d, vm, from, { type: 'migrate.confirm', success } as never);
    }
    case 'cancel':
      if (DomainIn.outgoing(d.domain(vm, from)) || !DomainIn.incomingPrepared(d.domain(vm, dest))) {
        return false;
      }
      return callDomain(ctx, d, vm, dest, plainEvent('migrate.cancel'));
  }
}

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
