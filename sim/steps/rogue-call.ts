/**
 * `rogue-call`: the guest abuses the lock connection leaked into it and sends a lock call of its
 * own — on any disk of the shared storage: its own devices, held or not, and other VMs' disks
 * (a read-only device is asked for exclusively: the guest wants to write it). After RESTRICT
 * this must change nothing (S6).
 */
import type { Step } from '../steps.ts';
import { expected } from '../real-actions.ts';
import { diskGrants } from '../checkers/grants.ts';
import { isRunning, toSpec } from '../world/actors.ts';
import type { SimContext } from '../world/context.ts';
import { nextInstant } from '../world/service-clock.ts';
import { rogueStep } from '../world/step-cache.ts';
import type { DiskUse, Proc, VmDefinition } from '../world/types.ts';
import { at, nat, oneOf } from './read.ts';
import type { StepModule } from './module.ts';

type RogueCallStep = Extract<Step, { kind: 'rogue-call' }>;

const OPS = ['acquire', 'release'] as const;

/** What the guest names: its own spelling and mode of the disk where it has one, else the
 * canonical path, exclusively. */
function rogueUse(ctx: SimContext, proc: Proc, definition: VmDefinition | undefined, disk: number): DiskUse {
  const own = proc.devices.find((use) => use.disk === disk) ??
    definition?.disks.find((use) => use.disk === disk) ?? definition?.spares.find((use) => use.disk === disk);
  if (own && own.mode !== 'readonly') return own;
  return { disk, mode: 'exclusive', path: own?.path ?? ctx.storage.canonical(disk) };
}

/**
 * Whether a timed lock service acts within the step's millisecond: then the service changes by
 * itself in the same step and S6 could not tell the guest's effect from time's. The guest's call
 * waits for a quiet millisecond (between instants the service is constant, so nothing is lost).
 */
function serviceDue(ctx: SimContext, service: unknown, time: number): boolean {
  const next = nextInstant(ctx, service);
  return next !== null && next <= time + 1;
}

export const rogueCall: StepModule<RogueCallStep> = {
  kind: 'rogue-call',
  role: 'workload',
  enabled(ctx, world, phase, out) {
    if (phase !== 'all' || serviceDue(ctx, world.service, world.time)) return;
    const disks = ctx.storage.count;
    for (const proc of world.procs) {
      if (!isRunning(proc) || ctx.model.registration(world.service, proc.pid) === 'none') continue;
      for (const op of OPS) for (let disk = 0; disk < disks; disk++) out.push(rogueStep(proc.vm, proc.host, op, disk));
    }
  },
  apply(ctx, d, step) {
    const proc = d.proc(step.vm, step.host);
    if (!proc || ctx.model.registration(d.service, proc.pid) === 'none') return false;
    if (serviceDue(ctx, d.service, d.time)) return false;
    if (step.disk >= ctx.storage.count) return false;
    const use = rogueUse(ctx, proc, d.vmsView[step.vm]?.definition, step.disk);
    const reply = ctx.model.callFromOwner(d.service,
      { owner: { pid: proc.pid, host: step.host }, resources: [toSpec(use)] }, step.op);
    d.service = reply.state;
    d.note(reply.ok ? `the daemon accepted the guest's ${step.op}` : `denied: ${reply.error.message}`);
    return true;
  },
  describe: (step, vm) =>
    `qemu of ${vm(step.vm)}@h${step.host} sends ${step.op} disk${step.disk} on its own connection`,
  read: (fields) => ({ kind: 'rogue-call', ...at(fields), op: oneOf(fields, 'op', OPS),
    disk: nat(fields, 'disk') }),
  scenario: {
    keywords: ['rogue-call'],
    usage: 'rogue-call web@h0 acquire|release disk0',
    parse: (_keyword, args, words) => ({ ...words.at(args[0]), op: args[1], disk: words.disk(args[2]) }),
  },
  real(ctx, before, _after, step) {
    const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host)!;
    // Mirrored only on a disk the VM holds. On any other disk the kernel-lock drivers cannot stop
    // a guest that opens the image and locks byte 0 itself (nobody holds it to refuse): a real
    // availability gap real mode found as soon as rogue calls named every disk, not yet modelled
    // (model-kernel's guest connection is restricted), so not compared.
    if (!diskGrants(ctx, before.service).some((g) => g.owner === proc.pid && g.disk === step.disk)) {
      return [];
    }
    const disk = rogueUse(ctx, proc, before.vms[step.vm]?.definition, step.disk);
    const reply = ctx.model.callFromOwner(before.service,
      { owner: { pid: proc.pid, host: step.host }, resources: [toSpec(disk)] }, step.op);
    return [{ kind: 'rogue', pid: proc.pid, op: step.op, disk, expect: expected(reply) }];
  },
};
