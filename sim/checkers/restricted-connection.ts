/**
 * S6 — a restricted connection changes nothing.
 * Verifies: a lock call a guest sends through the connection leaked into it after RESTRICT
 * leaves the lock service exactly as it was.
 * Does not verify: calls on unrestricted connections (legitimate), or libvirtd's own calls.
 */
import { placeOf, type Checker } from './checker.ts';

export const restrictedConnection: Checker = {
  id: 'S6',
  name: 'restricted-connection',
  kind: 'safety',
  verifies: "a guest's lock call on its restricted connection leaves the service unchanged",
  doesNotVerify: "unrestricted connections and libvirtd's own calls",
  applies: (ctx) => ctx.model.locks,
  check({ ctx, before, after, step }) {
    if (step.kind !== 'rogue-call') return null;
    const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host);
    if (!proc || ctx.model.registration(before.service, proc.pid) !== 'restricted') return null;
    if (ctx.model.encode(before.service) === ctx.model.encode(after.service)) return null;
    return `pid ${proc.pid} (${placeOf(after, step.vm, step.host)}) changed the locks with a ${step.op} ` +
      'on its restricted connection';
  },
};
