/**
 * An independent, deliberately plain statement of when two worlds are the same state for the
 * explorer: a string with everything the canonical form keeps, built without its caches,
 * codes or typed arrays — optionally for the world's image under a symmetry. Tests compare the
 * optimised canonical form against it.
 */
import type { LockServiceModel } from '../../drivers/service.ts';
import type { Symmetry } from '../../sim/explorer/symmetry.ts';
import type { Storage } from '../../sim/world/storage.ts';
import type { World } from '../../sim/world/types.ts';

type Use = { readonly disk: number; readonly mode: string; readonly path: string };

/** The plain key of `world`, or of its image under `symmetry` (paths renamed through `storage`). */
export function worldKey(model: LockServiceModel<unknown>, world: World,
  symmetry?: Symmetry, storage?: Storage): string {
  const hosts = world.hosts.length;
  const vm = (v: number) => symmetry?.vm[v] ?? v;
  const host = (h: number) => symmetry?.host[h] ?? h;
  const path = (name: string): string => {
    if (!symmetry || !storage) return name;
    for (let d = 0; d < storage.count; d++) {
      for (let n = 0; n < 3; n++) {
        if (storage.spelling(d, n) === name) return storage.spelling(symmetry.disk[d]!, n);
      }
    }
    return name;
  };
  const pids = new Map<number, number>();
  const pid = (p: number) => {
    if (p === 0) return 0;
    if (!pids.has(p)) pids.set(p, pids.size + 1);
    return pids.get(p)!;
  };
  const uses = (list: readonly Use[]) => list.map((u) => `${path(u.path)}:${u.mode}`).join('+');
  const slots: string[] = [];
  world.domains.forEach((domain, i) => {
    const { lastError: _e, reconnected: _r, ...context } =
      domain.snapshot.context as Record<string, unknown>;
    const renamed = JSON.stringify(context, (key, value: { kind?: string; name?: string }) =>
      value && typeof value === 'object' && value.kind === 'disk' && typeof value.name === 'string'
        ? { ...value, name: path(value.name) } : value);
    slots[vm(Math.floor(i / hosts)) * hosts + host(i % hosts)] =
      `D${JSON.stringify(domain.snapshot.value)}${renamed}`;
  });
  const parts = [...slots];
  const vms: string[] = [];
  world.vms.forEach((state, v) => {
    const m = state.migration;
    vms[vm(v)] = `V${m ? `${host(m.from)}>${host(m.to)}` : '-'}` +
      `${uses(state.definition.disks)}|${uses(state.definition.spares)}`;
  });
  parts.push(...vms);
  // By VM; by host too on two hosts, where their order within a VM cannot matter (a migration
  // begins from the first running one of a VM, and on two hosts only one can be the source).
  const procs = [...world.procs].sort((a, b) => vm(a.vm) - vm(b.vm) ||
    (hosts <= 2 ? host(a.host) - host(b.host) : 0));
  for (const p of procs) {
    parts.push(`P${vm(p.vm)}@${host(p.host)}:${JSON.stringify(p.actor.snapshot.value)}:` +
      `${p.terminating}:${uses(p.devices)}:${pid(p.pid)}`);
  }
  for (const c of [...world.pending].sort((a, b) => host(a.host) - host(b.host))) {
    parts.push(`C${vm(c.vm)}@${host(c.host)}:${c.invoke}:${c.src}:${uses(c.disks)}:` +
      `${c.lockState}:${pid(c.pid)}:${c.orphan}`);
  }
  parts.push(`T${world.timers.map((t) => `${vm(t.vm)}@${host(t.host)}:${t.id}`).sort().join(',')}`);
  const writers: string[] = [];
  world.disks.forEach((disk, d) => {
    writers[symmetry?.disk[d] ?? d] =
      `W${disk.liveWriters.map((w) => `${pid(w.pid)}:${w.mode}`).sort().join(',')}`;
  });
  parts.push(...writers);
  // Owners only the service mentions (gone processes) are named by where the renamed state
  // mentions them first.
  const placeholder = (p: number) => (p === 0 || pids.has(p) ? pid(p) : 1e9 + p);
  const renamed = model.relabel!(world.service, { pid: placeholder, host, resource: path });
  const gone: number[] = [];
  model.relabel!(renamed, { pid: (p) => (p >= 1e9 && !gone.includes(p) ? gone.push(p) : 0),
    host: (h) => h, resource: (r) => r });
  const service = model.relabel!(renamed, { pid: (p) => (p >= 1e9 ? -1 - gone.indexOf(p) : p),
    host: (h) => h, resource: (r) => r });
  parts.push(`S${model.encode(service)}`);
  return parts.join('\n');
}
