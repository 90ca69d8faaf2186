/**
 * S5 — migration hand-over.
 * Verifies: while a VM migrates, its source and destination QEMUs never run at the same time
 * while they share a disk one of them uses exclusively (what the locks hand over).
 * Does not verify: the lease-version check (S9: that nobody held the disk between the source's
 * release and the destination's acquire) — libvirt does not implement it either.
 */
import type { Checker } from './checker.ts';
import { isRunning } from '../world/actors.ts';
import type { Proc } from '../world/types.ts';

export const migrationHandover: Checker = {
  id: 'S5',
  name: 'migration-handover',
  kind: 'safety',
  verifies: 'a migrating VM never runs on source and destination at once on an exclusive disk',
  doesNotVerify: 'lease versions between release and acquire (S9)',
  applies: () => true,
  check({ before, after }) {
    for (let vm = 0; vm < after.vms.length; vm++) {
      const migration = after.vms[vm]!.migration ?? before.vms[vm]!.migration;
      if (!migration) continue;
      // The first two of the VM's running QEMUs on the two hosts (a plain loop: this runs on
      // every step of a migration).
      let a: Proc | undefined;
      let b: Proc | undefined;
      for (const proc of after.procs) {
        if (proc.vm !== vm || !isRunning(proc) || (proc.host !== migration.from && proc.host !== migration.to)) continue;
        if (!a) a = proc;
        else {
          b = proc;
          break;
        }
      }
      if (!a || !b) continue;
      const shared = a.devices.find((use) => use.mode !== 'readonly' && b.devices.some((other) =>
        other.disk === use.disk && (use.mode === 'exclusive' || other.mode === 'exclusive')));
      if (shared) {
        return `${after.vms[vm]!.definition.name} runs on h${migration.from} and h${migration.to} at once during migration, ` +
          `both on disk${shared.disk}`;
      }
    }
    return null;
  },
};
