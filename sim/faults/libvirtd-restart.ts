/**
 * `libvirtd-restart`: libvirtd dies and restarts while the VMs keep running. Each call it had
 * in flight either reached the daemon or not; the new libvirtd rebuilds its domains from the
 * status XML and the live QEMUs, with no lock call (reference §5 reconnect; §6 #11, #25, #27).
 */
import { DomainIn, ProcessIn } from '../../machines/states.ts';
import { callsInOrder } from '../real-actions.ts';
import { bools, nat } from '../steps/read.ts';
import { domainContext, procDies } from '../world/actors.ts';
import type { SimContext } from '../world/context.ts';
import type { Draft } from '../world/draft.ts';
import { perform } from '../world/lock-calls.ts';
import { freshDomain, reloadedDomain } from '../world/setup.ts';
import type { PendingCall } from '../world/types.ts';
import { choiceVectors } from './choice-vectors.ts';
import type { FaultClass } from './class.ts';

export interface LibvirtdRestartStep {
  readonly kind: 'fault';
  readonly fault: 'libvirtd-restart';
  readonly host: number;
  /** For each libvirtd call in flight (oldest first): did it reach the daemon? */
  readonly applied: readonly boolean[];
}

/** libvirtd's own calls in flight on `host` (the child's registration is not libvirtd's). */
const libvirtdCalls = (pending: readonly PendingCall[], host: number) =>
  pending.filter((call) => call.host === host && call.src !== 'registerOwner');

const yesNo = (flags: readonly boolean[]) => flags.map((flag) => (flag ? 'yes' : 'no')).join(',');

export const libvirtdRestart: FaultClass<LibvirtdRestartStep> = {
  name: 'libvirtd-restart',
  summary: 'libvirtd crashes and restarts while VMs keep running; calls in flight may or may not have reached the daemon',
  history: '§5 reconnect makes no lock call; §6 #11, #25, #27',
  enabled(_ctx, world, out) {
    for (let host = 0; host < world.hosts.length; host++) {
      out.push({ kind: 'fault', fault: 'libvirtd-restart', host,
        applied: libvirtdCalls(world.pending, host).map(() => false) });
    }
  },
  steps: {
    apply(ctx, d, step) {
      if (step.host >= d.hostCount) return false;
      restart(ctx, d, step.host, step.applied);
      return true;
    },
    describe: (step) => `FAULT libvirtd-restart h${step.host} (in-flight calls applied: ` +
      `${yesNo(step.applied) || 'none'})`,
    read: (fields) => ({ kind: 'fault', fault: 'libvirtd-restart', host: nat(fields, 'host'),
      applied: bools(fields, 'applied') }),
    scenario: {
      usage: 'fault libvirtd-restart h0 [applied=yes,no]',
      parse: (_k, args, words) => ({ host: words.host(args[0]),
        applied: words.flags(args[1], 'applied') }),
    },
    choices: {
      all: (step) => choiceVectors(step.applied.length).map((applied) => ({ ...step, applied })),
      draw: (prng, step) => ({ ...step, applied: step.applied.map(() => prng.chance(0.5)) }),
    },
    real(ctx, before, _after, step) {
      const applied = libvirtdCalls(before.pending, step.host).filter((_, i) => step.applied[i]);
      // The calls that made it reached the lock service before libvirtd died.
      return [...callsInOrder(ctx, before, applied, false), { kind: 'libvirtdRestart', host: step.host }];
    },
  },
};

function restart(ctx: SimContext, d: Draft, host: number, applied: readonly boolean[]): void {
  const inFlight = libvirtdCalls(d.pending, host);
  inFlight.forEach((call, i) => {
    if (applied[i]) perform(ctx, d, call, { type: 'ok' });
  });
  d.pending = d.pending.filter((call) => !inFlight.includes(call))
    .map((call) => (call.host === host ? { ...call, orphan: true } : call));
  d.timers = d.timers.filter((timer) => timer.host !== host);
  d.vms.forEach((state, vm) => {
    const migration = state.migration;
    if (migration && (migration.from === host || migration.to === host)) {
      d.vms[vm] = { ...state, migration: null };
    }
  });
  for (let vm = 0; vm < d.vms.length; vm++) reconnect(ctx, d, vm, host);
}

/** qemuProcessReconnect: re-attach to a live QEMU, or clean up one that never finished. */
function reconnect(ctx: SimContext, d: Draft, vm: number, host: number): void {
  const previous = domainContext(d, vm, host);
  const proc = d.proc(vm, host);
  if (proc && (!ProcessIn.execd(proc.actor) || DomainIn.incoming(d.domain(vm, host)))) {
    procDies(ctx, d, proc.pid, 'kill', { notifyLibvirtd: false });
  }
  const alive = d.proc(vm, host);
  const definition = d.vms[vm]!.definition.disks;
  d.setDomain(vm, host, alive
    ? reloadedDomain(definition, previous.disks, previous.lockState,
      ProcessIn.running(alive.actor) ? 'running' : 'paused')
    : freshDomain(definition));
}
