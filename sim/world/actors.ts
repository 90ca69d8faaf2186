/**
 * Driving the statecharts inside a step: events go to domain and process actors through one
 * FIFO queue (like XState's mailbox), and the effects their transitions return are interpreted
 * here — invoked actors become pending lock calls, delays become timers, named actions become
 * process commands.
 */
import type { EventObject } from 'xstate';
import type { ResourceSpec } from '../../contract/resources.ts';
import type { DomainLockInput } from '../../machines/actors.ts';
import type { DomainContext, ProcessCommand } from '../../machines/domain.machine.ts';
import { interpretEffects, type Effect, type EffectHandler } from '../../machines/effects.ts';
import { ProcessIn } from '../../machines/states.ts';
import { DOMAIN, PROCESS, type SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import { plainEvent } from './events.ts';
import { memo } from './memo.ts';
import { memoCall } from './service-memo.ts';
import { freeKills, shutdownCall } from './supervisor.ts';
import type { DiskState, DiskUse, PendingCall, Proc } from './types.ts';

export function toSpec(use: DiskUse): ResourceSpec {
  return { kind: 'disk', name: use.path, mode: use.mode };
}

function toUse(ctx: SimContext, spec: ResourceSpec): DiskUse {
  const disk = ctx.storage.resolve(spec.name);
  if (disk === undefined) throw new Error(`invariant: unknown disk path ${spec.name}`);
  return { disk, mode: spec.mode, path: spec.name };
}

const usesByStorage = new WeakMap<object, WeakMap<readonly ResourceSpec[], readonly DiskUse[]>>();

/**
 * `specs` as disk uses. Memoised per list: the lists come from interned statechart contexts and
 * memoised effects, so one list object stands for one content, and the uses made from it are one
 * object too — which the canonical form's per-list codes rely on to hit.
 */
export function usesOf(ctx: SimContext, specs: readonly ResourceSpec[]): readonly DiskUse[] {
  const byList = memo(usesByStorage, ctx.storage, () => new WeakMap());
  return memo(byList, specs, () => specs.map((spec) => toUse(ctx, spec)));
}

export function domainContext(d: Draft, vm: number, host: number): DomainContext {
  return d.domain(vm, host).snapshot.context as DomainContext;
}

export function isRunning(proc: Proc): boolean {
  return ProcessIn.running(proc.actor);
}

/** Delivers a management call to a domain; false when the domain does not accept it. */
export function callDomain(
  ctx: SimContext,
  d: Draft,
  vm: number,
  host: number,
  event: EventObject,
): boolean {
  if (!stepDomain(ctx, d, vm, host, event)) return false;
  drain(ctx, d);
  return true;
}

/** Queues a notification for a domain (processed after the current step's other effects). */
export function notifyDomain(d: Draft, vm: number, host: number, event: EventObject): void {
  d.inbox.push({ vm, host, event });
}

/** Processes queued notifications until none are left. */
export function drain(ctx: SimContext, d: Draft): void {
  while (d.inbox.length > 0) {
    const { vm, host, event } = d.inbox.shift()!;
    stepDomain(ctx, d, vm, host, event);
  }
}

function stepDomain(ctx: SimContext, d: Draft, vm: number, host: number, event: EventObject) {
  const before = d.domain(vm, host);
  const stepped = DOMAIN.step(before, event);
  d.transitions?.push({ machine: 'domain', vm, host, event, before, after: stepped.state,
    handled: stepped.handled });
  if (!stepped.handled) return false;
  d.setDomain(vm, host, stepped.state);
  syncDevices(ctx, d, vm, host);
  applyEffects(ctx, d, vm, host, stepped.effects);
  return true;
}

/** The devices a live process can write follow what libvirtd attached. */
function syncDevices(ctx: SimContext, d: Draft, vm: number, host: number): void {
  const proc = d.proc(vm, host);
  if (!proc) return;
  const disks = domainContext(d, vm, host).disks;
  if (disks.length === proc.devices.length && disks.every((disk, i) => disk.name ===
    proc.devices[i]!.path && disk.mode === proc.devices[i]!.mode)) return;
  const devices = usesOf(ctx, disks);
  d.setProc({ ...proc, devices });
  // An unplugged device is no longer written: its disk forgets this writer.
  for (const old of proc.devices) {
    if (!devices.some((use) => use.disk === old.disk)) forgetWriter(d, proc.pid, old.disk);
  }
}

/**
 * The simulator's host for domain statecharts (`machines/effects.ts`): an invoked actor is a
 * lock call in flight, a stopped one is orphaned, a delay is a timer on the virtual clock, a
 * named action is a command to the VM's QEMU. One object serves every domain step; the step
 * being interpreted is set on it first.
 */
class DomainEffects implements EffectHandler {
  ctx!: SimContext;
  d!: Draft;
  vm = 0;
  host = 0;

  invoke(id: string, src: string, input: unknown): void {
    const { ctx, d, vm, host } = this;
    const lock = input as DomainLockInput;
    d.pending.push({
      seq: d.nextSeq++,
      vm,
      host,
      invoke: id,
      src,
      disks: usesOf(ctx, lock.disks),
      lockState: lock.lockState,
      pid: d.proc(vm, host)?.pid ?? 0,
      orphan: false,
    });
  }

  stopInvoke(id: string): void {
    const { d, vm, host } = this;
    d.pending = d.pending.map((call) => call.vm === vm && call.host === host &&
      call.invoke === id && !call.orphan ? { ...call, orphan: true } : call);
  }

  send(to: string): void {
    throw new Error(`invariant: the domain machine has no child '${to}' to send to`);
  }

  timer(id: string, event: EventObject, delay: number): void {
    const { d, vm, host } = this;
    d.timers.push({ vm, host, id, event, due: d.time + delay });
  }

  cancelTimer(id: string): void {
    const { d, vm, host } = this;
    d.timers = d.timers.filter((t) => !(t.vm === vm && t.host === host && t.id === id));
  }

  action(name: string): void {
    const command = COMMANDS[name as ProcessCommand];
    if (!command) throw new Error(`invariant: the domain machine named an unknown action '${name}'`);
    command(this.ctx, this.d, this.vm, this.host);
  }
}

const domainEffects = new DomainEffects();

let interpreting = false;

/** Performs a domain step's effects. Commands never step a domain themselves (they queue
 * notifications), so the one handler is never re-entered. */
function applyEffects(ctx: SimContext, d: Draft, vm: number, host: number,
  effects: readonly Effect[]): void {
  if (effects.length === 0) return;
  if (interpreting) throw new Error('invariant: domain effects interpreted re-entrantly');
  interpreting = true;
  domainEffects.ctx = ctx;
  domainEffects.d = d;
  domainEffects.vm = vm;
  domainEffects.host = host;
  try {
    interpretEffects(effects, domainEffects);
  } finally {
    interpreting = false;
  }
}

/** What each of libvirtd's commands does to the VM's QEMU. */
const COMMANDS: Readonly<Record<ProcessCommand,
  (ctx: SimContext, d: Draft, vm: number, host: number) => void>> = {
  launchProcess: (ctx, d, vm, host) => launch(ctx, d, vm, host),
  contProcess: (_ctx, d, vm, host) => {
    const proc = d.proc(vm, host);
    if (proc) commandProc(d, proc, 'process.cont');
  },
  stopProcess: (_ctx, d, vm, host) => {
    const proc = d.proc(vm, host);
    if (proc) stopGuest(d, proc);
  },
  terminateProcess: (ctx, d, vm, host) => {
    const proc = d.proc(vm, host);
    if (proc) d.setProc({ ...proc, terminating: true });
    if (proc && ctx.design === 'rfc-early-shutdown') shutdownCall(ctx, d, vm, host);
  },
  killProcess: (ctx, d, vm, host) => {
    if (ctx.design !== 'libvirt' && freeKills(ctx, d, vm, host)) return;
    const proc = d.proc(vm, host);
    if (proc) procDies(ctx, d, proc.pid, 'kill');
  },
};

function launch(ctx: SimContext, d: Draft, vm: number, host: number): void {
  if (d.proc(vm, host)) throw new Error(`invariant: vm${vm}@h${host} launched twice`);
  const initial = PROCESS.initial(undefined).state;
  const started = PROCESS.step(initial, plainEvent('process.start'));
  d.transitions?.push({ machine: 'process', vm, host, pid: d.nextPid,
    event: plainEvent('process.start'), before: initial, after: started.state, handled: true });
  d.procs.push({
    pid: d.nextPid++,
    vm,
    host,
    actor: started.state,
    devices: usesOf(ctx, domainContext(d, vm, host).disks),
    terminating: false,
  });
}

/** Sends a command to a live process; a process that stops running stops writing. */
export function commandProc(d: Draft, proc: Proc, type: string): boolean {
  const stepped = PROCESS.step(proc.actor, plainEvent(type));
  d.transitions?.push({ machine: 'process', vm: proc.vm, host: proc.host, pid: proc.pid,
    event: plainEvent(type), before: proc.actor, after: stepped.state, handled: stepped.handled });
  if (!stepped.handled) return false;
  const next = { ...proc, actor: stepped.state };
  d.setProc(next);
  if (isRunning(proc) && !isRunning(next)) forgetWriter(d, proc.pid);
  return true;
}

/**
 * The guest's vCPUs stop (libvirtd's `stop`, or QEMU on its own after an I/O error): QEMU emits
 * its STOP event, which libvirtd handles after the rest of the step's effects. A QEMU that was
 * not running emits none (QEMU's `stop` on a stopped guest is a no-op).
 */
export function stopGuest(d: Draft, proc: Proc): boolean {
  if (!commandProc(d, proc, 'process.stop')) return false;
  notifyDomain(d, proc.vm, proc.host, plainEvent('qemu.stop'));
  return true;
}

/** A process dies: the kernel closes its connection, the daemon reacts, libvirtd sees EOF. */
export function procDies(
  ctx: SimContext,
  d: Draft,
  pid: number,
  how: 'exit' | 'crash' | 'kill',
  options: { notifyLibvirtd?: boolean } = {},
): void {
  const proc = d.procByPid(pid);
  if (!proc) return;
  const event = DEATH_EVENTS[how];
  const died = PROCESS.step(proc.actor, event);
  d.transitions?.push({ machine: 'process', vm: proc.vm, host: proc.host, pid,
    event, before: proc.actor, after: died.state, handled: died.handled });
  d.removeProc(pid);
  forgetWriter(d, pid);
  const host = proc.host;
  const gone = ctx.revisits ? memoCall(ctx, d.service, `gone\u0000${pid}\u0000${host}`,
    () => ctx.model.ownerGone(d.service, { pid, host })) : ctx.model.ownerGone(d.service, { pid, host });
  d.service = gone.state;
  if (gone.released > 0) d.note(`daemon released ${gone.released} lock(s) of dead pid ${pid}`);
  // A child that dies before registering never completes its registration.
  if (d.pendingView.some((call) => registers(call, pid))) {
    d.pending = d.pending.filter((call) => !registers(call, pid));
  }
  if (options.notifyLibvirtd ?? true) notifyDomain(d, proc.vm, proc.host, plainEvent('qemu.exit'));
}

const DEATH_EVENTS: Readonly<Record<'exit' | 'crash' | 'kill', EventObject>> = {
  exit: plainEvent('process.exit'), crash: plainEvent('process.crash'), kill: plainEvent('process.kill'),
};

/** The process stopped writing (all its disks, or just `only`). */
export function forgetWriter(d: Draft, pid: number, only?: number): void {
  if (!d.disksView.some((disk, index) => wrote(disk, index, pid, only))) return;
  d.disks = d.disks.map((disk, index) => wrote(disk, index, pid, only)
    ? { ...disk, liveWriters: disk.liveWriters.filter((w) => w.pid !== pid) } : disk);
}

/** Whether `pid` is among disk `index`'s live writers (and the disk is `only`, if given). */
function wrote(disk: DiskState, index: number, pid: number, only: number | undefined): boolean {
  return (only === undefined || only === index) && disk.liveWriters.some((w) => w.pid === pid);
}

/** Whether `call` is the registration of `pid`'s own connection. */
function registers(call: PendingCall, pid: number): boolean {
  return call.src === 'registerOwner' && call.pid === pid;
}
