/**
 * H1 — grants stay within what the definitions make lockable (hygiene: no over-locking).
 * Verifies: every grant the service makes to a process is on a disk its VM's definition names
 * (a boot disk or a hotplug spare) as writable, in the mode the definition gives it — never a
 * read-only disk, another VM's disk or a mode stronger or weaker than asked (reference §7 S7:
 * grants(P) ⊆ lockable(def(P)) ∪ in-flight hotplug items; spares are the hotplug items).
 * Does not verify: grants of owners the world cannot place (dead before the step, so no VM to
 * judge them by: S7's business), or grants the service does not map to a disk (leases).
 */
import type { DiskUse, VmDefinition, World } from '../world/types.ts';
import { who, type Checker } from './checker.ts';
import { diskGrants, heldKey, heldLocks, type DiskGrant } from './grants.ts';

/** The VM whose process (live before or after the step, or named by a call) owns `pid`. */
function vmOf(before: World, after: World, pid: number, calls: readonly { readonly call:
  { readonly pid: number; readonly vm: number } }[]): number | undefined {
  return after.procs.find((p) => p.pid === pid)?.vm ?? before.procs.find((p) => p.pid === pid)?.vm ??
    calls.find((c) => c.call.pid === pid)?.call.vm;
}

const lockableUse = (definition: VmDefinition, disk: number): DiskUse | undefined =>
  definition.disks.find((use) => use.disk === disk) ?? definition.spares.find((use) => use.disk === disk);

function overLocking(definition: VmDefinition, grant: DiskGrant): string | null {
  const use = lockableUse(definition, grant.disk!);
  if (!use) return `disk${grant.disk}, which ${definition.name} does not use`;
  if (use.mode === 'readonly') return `disk${grant.disk}, which ${definition.name} uses read-only (never locked)`;
  if (use.mode !== grant.mode) return `disk${grant.disk} ${grant.mode}, which ${definition.name} uses ${use.mode}`;
  return null;
}

export const grantsLockable: Checker = {
  id: 'H1',
  name: 'grants-lockable',
  kind: 'safety',
  verifies: "every new grant is on a disk its VM's definition makes lockable, in the defined mode",
  doesNotVerify: 'grants of owners no VM can be found for; leases',
  applies: (ctx) => ctx.model.locks,
  check({ ctx, before, after, lockCalls }) {
    if (after.service === before.service) return null;
    const old = heldLocks(ctx, before.service);
    const now = diskGrants(ctx, after.service);
    if (now === diskGrants(ctx, before.service)) return null;
    for (const grant of now) {
      if (grant.disk === undefined || old.has(heldKey(grant.owner, grant.disk, grant.mode))) continue;
      const vm = vmOf(before, after, grant.owner, lockCalls);
      const definition = vm === undefined ? undefined : after.vms[vm]?.definition;
      if (!definition) continue;
      const wrong = overLocking(definition, grant);
      if (wrong) return `${who(after, grant.owner)} was granted ${wrong} ('${grant.resource}')`;
    }
    return null;
  },
};
