/**
 * The mechanisms behind each fault class (the policy — which fault, when — is elsewhere). Every
 * function returns false when the fault cannot strike in the current world.
 */
import { errorData } from '../../drivers/errors.ts';
import { DomainIn, ProcessIn } from '../../machines/states.ts';
import type { FaultStep } from '../steps.ts';
import {
  commandProc,
  domainContext,
  notifyDomain,
  procDies,
} from './actors.ts';
import type { SimContext } from './context.ts';
import { errorEvent, plainEvent } from './events.ts';
import type { Draft } from './draft.ts';
import { perform } from './lock-calls.ts';
import { freshDomain, reloadedDomain } from './setup.ts';
import type { PendingCall } from './types.ts';


export function applyFault(ctx: SimContext, d: Draft, step: FaultStep): boolean {
  switch (step.fault) {
    case 'process-crash':
    case 'process-kill': {
      const proc = d.proc(step.vm, step.host);
      if (!proc) return false;
      procDies(ctx, d, proc.pid, step.fault === 'process-crash' ? 'crash' : 'kill');
      return true;
    }
    case 'external-resume': {
      const proc = d.proc(step.vm, step.host);
      if (!proc || !ProcessIn.paused(proc.actor)) return false;
      commandProc(d, proc, 'process.cont');
      notifyDomain(d, step.vm, step.host, plainEvent('qemu.resume'));
      return true;
    }
    case 'connection-drop':
      return connectionDrop(ctx, d, step.vm, step.host);
    case 'daemon-crash':
      daemonCrash(ctx, d, step.host);
      return true;
    case 'daemon-reexec':
      daemonReexec(ctx, d, step.host, step.lost);
      return true;
    case 'libvirtd-restart':
      libvirtdRestart(ctx, d, step.host, step.applied);
      return true;
    case 'host-crash':
      hostCrash(ctx, d, step.host);
      return true;
    case 'path-alias':
      return pathAlias(ctx, d, step.vm, step.disk, step.spelling);
    case 'image-probe':
      return imageProbe(d, step.host, step.disk);
  }
}

/**
 * libvirtd reads the header of a disk one of its live QEMUs uses: it opens the image and closes
 * it again. The lock service sees nothing, so the model changes nothing — a driver that keeps
 * POSIX locks in libvirtd's own process loses the lock here for real (the POSIX trap), and real
 * mode shows that as a divergence.
 */
function imageProbe(d: Draft, host: number, disk: number): boolean {
  if (!d.procs.some((proc) => proc.host === host && proc.devices.some((use) => use.disk === disk))) {
    return false;
  }
  d.note(`libvirtd on h${host} opened and closed disk${disk}; no lock call`);
  return true;
}

function connectionDrop(ctx: SimContext, d: Draft, vm: number, host: number): boolean {
  const proc = d.proc(vm, host);
  if (!proc || !ProcessIn.execd(proc.actor)) return false;
  if (ctx.model.registration(d.service, proc.pid) === 'none') return false;
  const gone = ctx.model.ownerGone(d.service, { pid: proc.pid, host });
  d.service = gone.state;
  d.note(`daemon released ${gone.released} lock(s) of pid ${proc.pid}` +
    (gone.kill ? ' and kills it' : ' and lets it run'));
  if (gone.kill) procDies(ctx, d, proc.pid, 'kill');
  return true;
}

/** In-flight calls served by a host's daemon (libvirtd's and its children's). */
function callsOn(d: Draft, host: number): PendingCall[] {
  return d.pending.filter((call) => call.host === host);
}

function fail(d: Draft, call: PendingCall, code: 'RPC' | 'OPERATION_TIMEOUT', message: string) {
  d.pending = d.pending.filter((other) => other !== call);
  if (!call.orphan) {
    notifyDomain(d, call.vm, call.host, errorEvent(call.invoke, errorData(code, message)));
  }
}

function daemonCrash(ctx: SimContext, d: Draft, host: number): void {
  d.service = ctx.model.daemonCrash(d.service, host);
  d.hosts[host] = { ...d.hosts[host]!, daemonEpoch: d.hosts[host]!.daemonEpoch + 1 };
  for (const call of callsOn(d, host)) {
    fail(d, call, 'RPC', 'End of file while reading data: the lock daemon connection closed');
  }
}

function daemonReexec(ctx: SimContext, d: Draft, host: number, lost: readonly boolean[]): void {
  d.service = ctx.model.daemonReexec(d.service, host);
  callsOn(d, host).forEach((call, i) => {
    if (!lost[i]) return;
    perform(ctx, d, call, { type: 'ok' });
    fail(d, call, 'OPERATION_TIMEOUT', 'no reply from the lock daemon (lost in re-exec); ' +
      'the call may have taken effect');
  });
}

/**
 * libvirtd dies and restarts. Each call it had in flight either reached the daemon or not; the
 * new libvirtd rebuilds its domains from the status XML and the live QEMUs, with no lock call.
 */
function libvirtdRestart(ctx: SimContext, d: Draft, host: number, applied: readonly boolean[]) {
  const inFlight = d.pending.filter((call) => call.host === host && call.src !== 'registerOwner');
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
  const incoming = DomainIn.incoming(d.domain(vm, host));
  if (proc && (!ProcessIn.execd(proc.actor) || incoming)) {
    procDies(ctx, d, proc.pid, 'kill', { notifyLibvirtd: false });
  }
  const alive = d.proc(vm, host);
  const definition = d.vms[vm]!.definition.disks;
  d.setDomain(vm, host, alive
    ? reloadedDomain(definition, previous.disks, previous.lockState,
      ProcessIn.running(alive.actor) ? 'running' : 'paused')
    : freshDomain(definition));
}

function hostCrash(ctx: SimContext, d: Draft, host: number): void {
  for (const proc of d.procs.filter((p) => p.host === host)) {
    procDies(ctx, d, proc.pid, 'crash', { notifyLibvirtd: false });
  }
  d.service = ctx.model.hostCrash(d.service, host);
  d.hosts[host] = { libvirtd: true, daemonEpoch: d.hosts[host]!.daemonEpoch + 1 };
  d.pending = d.pending.filter((call) => call.host !== host);
  d.timers = d.timers.filter((timer) => timer.host !== host);
  d.vms.forEach((state, vm) => {
    d.setDomain(vm, host, freshDomain(state.definition.disks));
  });
  // Queued notifications for the dead host's domains belong to the old libvirtd.
  for (let i = d.inbox.length - 1; i >= 0; i--) if (d.inbox[i]!.host === host) d.inbox.splice(i, 1);
}

/** The VM's configuration now reaches `disk` through another spelling (while it is shut off). */
function pathAlias(ctx: SimContext, d: Draft, vm: number, disk: number, spelling: number) {
  const state = d.vms[vm];
  if (!state) return false;
  for (let host = 0; host < d.hostCount; host++) {
    if (!DomainIn.shutoff(d.domain(vm, host))) return false;
  }
  const path = ctx.storage.spelling(disk, spelling);
  const respell = (uses: typeof state.definition.disks) =>
    uses.map((use) => (use.disk === disk ? { ...use, path } : use));
  const { disks, spares } = state.definition;
  if (![...disks, ...spares].some((use) => use.disk === disk && use.path !== path)) return false;
  const definition = { ...state.definition, disks: respell(disks), spares: respell(spares) };
  d.vms[vm] = { ...state, definition };
  for (let host = 0; host < d.hostCount; host++) d.setDomain(vm, host, freshDomain(definition.disks));
  return true;
}
