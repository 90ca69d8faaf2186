/**
 * Migration is a conversation between two domain statecharts on two hosts; the world carries
 * the cookie (the source's lock state) from one to the other. Phases follow libvirt's v3
 * protocol: begin (source inquires), prepare (destination starts paused and registers),
 * perform (source stops and releases), finish (destination acquires and runs), confirm (source
 * is killed on success, re-acquires on failure); cancel tears down a stranded destination.
 */
import type { MigrationPhase } from '../steps.ts';
import { callDomain, domainContext } from './actors.ts';
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import { plainEvent } from './events.ts';

const inState = (d: Draft, vm: number, host: number, prefix: string) =>
  d.domain(vm, host).leaves.some((leaf) => leaf.startsWith(prefix));

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
      d.domain(vm, proc.host).leaves.includes('active.vcpus.running'))?.host;
    if (from === undefined || from === to || !inState(d, vm, to, 'shutoff')) return false;
    if (!callDomain(ctx, d, vm, from, plainEvent('migrate.begin'))) return false;
    d.vms[vm] = { ...d.vms[vm]!, migration: { from, to } };
    return true;
  }
  if (!migration) return false;
  const { from, to: dest } = migration;
  switch (phase) {
    case 'prepare':
      if (!inState(d, vm, from, 'outgoing.begun')) return false;
      return callDomain(ctx, d, vm, dest, {
        type: 'migrate.prepare', lockState: domainContext(d, vm, from).lockState,
      } as never);
    case 'perform':
      if (!inState(d, vm, dest, 'incoming.prepared')) return false;
      return callDomain(ctx, d, vm, from, plainEvent('migrate.perform'));
    case 'finish':
      if (!inState(d, vm, from, 'outgoing.performed')) return false;
      return callDomain(ctx, d, vm, dest, plainEvent('migrate.finish'));
    case 'confirm': {
      if (inState(d, vm, dest, 'incoming') || !inState(d, vm, from, 'outgoing.performed')) return false;
      const success = d.domain(vm, dest).leaves.includes('active.vcpus.running');
      return callDomain(ctx, d, vm, from, { type: 'migrate.confirm', success } as never);
    }
    case 'cancel':
      if (inState(d, vm, from, 'outgoing') || !inState(d, vm, dest, 'incoming.prepared')) return false;
      return callDomain(ctx, d, vm, dest, plainEvent('migrate.cancel'));
  }
}

/** A migration ends when neither side is migrating any more. */
export function settleMigrations(d: Draft): void {
  d.vmsView.forEach((state, vm) => {
    const migration = state.migration;
    if (!migration) return;
    if (!inState(d, vm, migration.from, 'outgoing') && !inState(d, vm, migration.to, 'incoming')) {
      d.vms[vm] = { ...state, migration: null };
    }
  });
}
