/**
 * Every step enabled in a world: the workload (management calls, migrations, writes…), the
 * environment (lock calls completing, timers, exits) and, when switched on, the faults. The
 * random scheduler draws from this list; the explorer takes every entry. Each returned step
 * applies (`applyStep` is non-null) — a test holds the two to that.
 */
import type { EventObject } from 'xstate';
import { DomainIn, ProcessIn } from '../../machines/states.ts';
import type { FaultName } from '../faults/catalog.ts';
import type { CallName, OutcomeFault, Step } from '../steps.ts';
import { isRunning } from './actors.ts';
import { attachEvent, detachEvent } from './events.ts';
import { DOMAIN, type SimContext } from './context.ts';
import { failureOutcomes } from './lock-calls.ts';
import {
  attachStep,
  callStep,
  completeStep,
  detachStep,
  exitStep,
  guestPauseStep,
  migrateStep,
  rogueStep,
  timerStep,
  writeStep,
} from './step-cache.ts';
import type { World } from './types.ts';

export interface EnableOptions {
  readonly faults: ReadonlySet<FaultName>;
  /** No workload and no faults: only what lets the world settle (heal phase). */
  readonly heal?: boolean;
  /** No step that counts as workload (`isWorkload`); migrations under way go on (default
   * false). The explorer's workload budget is spent. */
  readonly noWorkload?: boolean;
}

const CALLS: readonly [CallName, EventObject][] = [
  ['start', { type: 'domain.start' }],
  ['pause', { type: 'domain.pause' }],
  ['resume', { type: 'domain.resume' }],
  ['destroy', { type: 'domain.destroy' }],
];

const OUTCOME_FAULTS: readonly OutcomeFault[] = ['acquire-fails', 'release-fails', 'partial-acquire'];

function accepts(world: World, vm: number, host: number, event: EventObject): boolean {
  return DOMAIN.step(world.domains[vm * world.hosts.length + host]!, event).handled;
}

export function enabledSteps(ctx: SimContext, world: World, options: EnableOptions): Step[] {
  const steps: Step[] = [];
  environmentSteps(world, steps, options.heal ?? false);
  if (options.heal) return steps;
  if (options.noWorkload) {
    for (let vm = 0; vm < world.vms.length; vm++) {
      if (world.vms[vm]!.migration) migrationSteps(world, vm, steps);
    }
  } else workloadSteps(ctx, world, steps);
  faultSteps(ctx, world, options.faults, steps);
  return steps;
}

/** Only the oldest pending call per (VM, host, invoke) can complete: later ones queue behind. */
function oldestOfItsKind(world: World, index: number): boolean {
  const call = world.pending[index]!;
  for (let i = 0; i < index; i++) {
    const other = world.pending[i]!;
    if (other.vm === call.vm && other.host === call.host && other.invoke === call.invoke) return false;
  }
  return true;
}

function environmentSteps(world: World, steps: Step[], heal: boolean): void {
  for (let i = 0; i < world.pending.length; i++) {
    const call = world.pending[i]!;
    if (oldestOfItsKind(world, i)) steps.push(completeStep(call.vm, call.host, call.invoke));
  }
  for (const timer of world.timers) steps.push(timerStep(timer.vm, timer.host, timer.id));
  for (const proc of world.procs) {
    if (proc.terminating) steps.push(exitStep(proc.vm, proc.host));
    if (heal || !isRunning(proc)) continue;
    for (const use of proc.devices) {
      if (use.mode !== 'readonly') steps.push(writeStep(proc.vm, proc.host, use.disk));
    }
  }
}

function workloadSteps(ctx: SimContext, world: World, steps: Step[]): void {
  const hosts = world.hosts.length;
  for (let vm = 0; vm < world.vms.length; vm++) {
    const vmState = world.vms[vm]!;
    for (let host = 0; host < hosts; host++) {
      for (const [call, event] of CALLS) {
        if (accepts(world, vm, host, event)) steps.push(callStep(vm, host, call));
      }
      const domain = world.domains[vm * hosts + host]!;
      const attached = (domain.snapshot.context as { disks: { name: string }[] }).disks;
      const spares = vmState.definition.spares;
      for (let index = 0; index < spares.length; index++) {
        if (accepts(world, vm, host, attachEvent(spares[index]!))) {
          steps.push(attachStep(vm, host, index));
        }
      }
      // The workload unplugs what hotplug plugged; boot disks stay.
      for (const disk of attached) {
        for (const spare of spares) {
          if (spare.path === disk.name && accepts(world, vm, host, detachEvent(disk.name))) {
            steps.push(detachStep(vm, host, spare.disk));
          }
        }
      }
    }
    migrationSteps(world, vm, steps);
  }
  for (const proc of world.procs) {
    if (!isRunning(proc)) continue;
    steps.push(guestPauseStep(proc.vm, proc.host));
    const device = proc.devices.find((use) => use.mode !== 'readonly');
    if (device && ctx.model.registration(world.service, proc.pid) !== 'none') {
      for (const op of ['acquire', 'release'] as const) {
        steps.push(rogueStep(proc.vm, proc.host, op, device.disk));
      }
    }
  }
}

function leavesOf(world: World, vm: number, host: number): readonly string[] {
  return world.domains[vm * world.hosts.length + host]!.leaves;
}


function migrationSteps(world: World, vm: number, steps: Step[]): void {
  const hosts = world.hosts.length;
  const migration = world.vms[vm]!.migration;
  if (!migration) {
    for (let from = 0; from < hosts; from++) {
      const source = leavesOf(world, vm, from);
      if (!DomainIn.vcpusRunning.leaves(source) || !DomainIn.devicesIdle.leaves(source)) continue;
      for (let to = 0; to < hosts; to++) {
        if (to !== from && DomainIn.shutoff.leaves(leavesOf(world, vm, to))) {
          steps.push(migrateStep(vm, 'begin', to));
        }
      }
    }
    return;
  }
  const src = leavesOf(world, vm, migration.from);
  const dst = leavesOf(world, vm, migration.to);
  const begun = DomainIn.outgoingBegun.leaves(src);
  const performed = DomainIn.outgoingPerformed.leaves(src);
  const prepared = DomainIn.incomingPrepared.leaves(dst);
  if (begun && DomainIn.shutoff.leaves(dst)) steps.push(migrateStep(vm, 'prepare'));
  if (begun && prepared) steps.push(migrateStep(vm, 'perform'));
  if (performed && prepared) steps.push(migrateStep(vm, 'finish'));
  if (performed && !DomainIn.incoming.leaves(dst)) steps.push(migrateStep(vm, 'confirm'));
  if (!DomainIn.outgoing.leaves(src) && prepared) steps.push(migrateStep(vm, 'cancel'));
}

function faultSteps(ctx: SimContext, world: World, faults: ReadonlySet<FaultName>, steps: Step[]) {
  if (faults.size === 0) return;
  const hosts = world.hosts.length;
  for (const proc of world.procs) {
    const { vm, host } = proc;
    if (faults.has('process-crash')) steps.push({ kind: 'fault', fault: 'process-crash', vm, host });
    if (faults.has('process-kill')) steps.push({ kind: 'fault', fault: 'process-kill', vm, host });
    if (faults.has('external-resume') && ProcessIn.paused(proc.actor)) {
      steps.push({ kind: 'fault', fault: 'external-resume', vm, host });
    }
    if (faults.has('connection-drop') && ProcessIn.execd(proc.actor) &&
      ctx.model.registration(world.service, proc.pid) !== 'none') {
      steps.push({ kind: 'fault', fault: 'connection-drop', vm, host });
    }
  }
  for (let host = 0; host < hosts; host++) {
    if (faults.has('daemon-crash')) steps.push({ kind: 'fault', fault: 'daemon-crash', host });
    if (faults.has('host-crash')) steps.push({ kind: 'fault', fault: 'host-crash', host });
    const onHost = world.pending.filter((call) => call.host === host);
    if (faults.has('daemon-reexec')) {
      steps.push({ kind: 'fault', fault: 'daemon-reexec', host, lost: onHost.map(() => false) });
    }
    if (faults.has('libvirtd-restart')) {
      const libvirtd = onHost.filter((call) => call.src !== 'registerOwner');
      steps.push({ kind: 'fault', fault: 'libvirtd-restart', host, applied: libvirtd.map(() => false) });
    }
  }
  if (faults.has('path-alias')) aliasSteps(ctx, world, steps);
  if (faults.has('image-probe')) probeSteps(world, steps);
  outcomeFaultSteps(ctx, world, faults, steps);
}

function aliasSteps(ctx: SimContext, world: World, steps: Step[]): void {
  const hosts = world.hosts.length;
  world.vms.forEach((state, vm) => {
    for (let host = 0; host < hosts; host++) {
      if (!DomainIn.shutoff(world.domains[vm * hosts + host]!)) return;
    }
    for (const use of [...state.definition.disks, ...state.definition.spares]) {
      for (let spelling = 0; spelling < 3; spelling++) {
        if (ctx.storage.spelling(use.disk, spelling) !== use.path) {
          steps.push({ kind: 'fault', fault: 'path-alias', vm, disk: use.disk, spelling });
        }
      }
    }
  });
}

/** libvirtd may read the header of any disk a live QEMU of its host uses. */
function probeSteps(world: World, steps: Step[]): void {
  const seen = new Set<string>();
  for (const proc of world.procs) {
    for (const use of proc.devices) {
      const key = `${proc.host}:${use.disk}`;
      if (seen.has(key)) continue;
      seen.add(key);
      steps.push({ kind: 'fault', fault: 'image-probe', host: proc.host, disk: use.disk });
    }
  }
}

function outcomeFaultSteps(ctx: SimContext, world: World, faults: ReadonlySet<FaultName>,
  steps: Step[]) {
  for (let i = 0; i < world.pending.length; i++) {
    const call = world.pending[i]!;
    if (!oldestOfItsKind(world, i)) continue;
    for (const fault of OUTCOME_FAULTS) {
      if (!faults.has(fault)) continue;
      for (const effect of failureOutcomes(ctx, call, fault)) {
        steps.push({ kind: 'complete', vm: call.vm, host: call.host, invoke: call.invoke,
          outcome: { type: 'fail', fault, effect } });
      }
    }
  }
}
