/**
 * S6 — a restricted connection changes nothing.
 * Verifies: a lock call a guest sends through the connection leaked into it — on any disk, its
 * own or another VM's, held or not — leaves the lock service exactly as it was. Judged from what
 * the world knows: the child registers its connection with RESTRICT before it execs QEMU, always
 * (reference §5), so every guest's connection is restricted whatever the driver says of it.
 * Does not verify: libvirtd's own calls (legitimate).
 */
import { placeOf, type Checker } from './checker.ts';

export const restrictedConnection: Checker = {
  id: 'S6',
  name: 'restricted-connection',
  kind: 'safety',
  verifies: "a guest's lock call on its restricted connection leaves the service unchanged",
  doesNotVerify: "libvirtd's own calls",
  applies: (ctx) => ctx.model.locks,
  check({ ctx, before, after, step }) {
    if (step.kind !== 'rogue-call') return null;
    const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host);
    if (!proc) return null;
    if (ctx.model.encode(before.service) === ctx.model.encode(after.service)) return null;
    return `pid ${proc.pid} (${placeOf(after, step.vm, step.host)}) changed the locks with a ${step.op} ` +
      'on its restricted connection';
  },
};
