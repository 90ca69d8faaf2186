/**
 * A backend whose "reality" is another service model, stepped in memory with modelled
 * processes. Real mode's own plumbing (mirror, comparisons, findings) is tested with it — a
 * model compared with itself must show no finding — and it runs differential checks between
 * two models (a canary against the reference finds the canary's bug as a divergence). It is not
 * a stand-in for a real driver and is never offered as one.
 */
import type { DriverConfig } from '../../contract/driver.ts';
import type { LockServiceModel, ServiceReply } from '../../contract/service.ts';
import { REALISABLE_FAULTS } from '../../sim/faults/index.ts';
import { toSpec } from '../../sim/world/actors.ts';
import { createStorage, type Storage } from '../../sim/world/storage.ts';
import type { WorldShape } from '../../sim/world/shape.ts';
import type { DiskUse } from '../../sim/world/types.ts';
import type { LockCallKind, ObservedLock, RealBackend, RealReply, RealWrite } from '../backend.ts';

function reply(result: ServiceReply<unknown, string | null>): RealReply {
  return result.ok ? { ok: true, output: result.value }
    : { ok: false, code: result.error.code, message: result.error.message };
}

export function modelBackend(
  reality: LockServiceModel<unknown>,
  reference: LockServiceModel<unknown> = reality,
  config: DriverConfig = {},
): RealBackend {
  let state: unknown;
  let storage: Storage | null = null;
  const hosts = new Map<number, number>();
  const writes: RealWrite[] = [];
  const settle = (result: ServiceReply<unknown, string | null>): RealReply => {
    state = result.state;
    return reply(result);
  };
  const owner = (pid: number) => ({ pid, host: hosts.get(pid) ?? 0 });
  const gone = (pid: number) => {
    if (!hosts.has(pid)) return;
    state = reality.ownerGone(state, owner(pid)).state;
    hosts.delete(pid);
  };
  return {
    name: reality.name,
    model: reference,
    failure: reality.failure,
    config,
    faults: new Set(REALISABLE_FAULTS),
    async setup(shape: WorldShape) {
      state = reality.initial(config);
      storage = createStorage(shape.disks);
    },
    async launch(pid, host) {
      hosts.set(pid, host);
    },
    async register(pid) {
      return settle(reality.register(state, owner(pid), { restrict: true }));
    },
    async lockCall(kind: LockCallKind, host, pid, disks, lockState) {
      const request = { owner: { pid, host }, resources: disks.map(toSpec), lockState };
      return settle(kind === 'acquire' ? reality.acquire(state, request)
        : kind === 'release' ? reality.release(state, request) : reality.inquire(state, request));
    },
    async cont() {},
    async stop() {},
    async write(pid, disk) {
      writes.push({ disk, pid });
    },
    async end(pid) {
      gone(pid);
    },
    async dropConnection(pid) {
      const result = reality.ownerGone(state, owner(pid));
      state = result.state;
      if (result.kill) hosts.delete(pid);
      return { killed: result.kill };
    },
    async rogueCall(pid, op, disk: DiskUse) {
      return settle(reality.callFromOwner(state, { owner: owner(pid), resources: [toSpec(disk)] }, op));
    },
    async daemonCrash(host) {
      state = reality.daemonCrash(state, host);
    },
    async daemonReexec(host) {
      state = reality.daemonReexec(state, host);
    },
    async hostCrash(host) {
      for (const [pid, where] of hosts) if (where === host) hosts.delete(pid);
      state = reality.hostCrash(state, host);
    },
    alive: (pid) => hosts.has(pid),
    async observe(): Promise<ObservedLock[]> {
      return reality.grants(state).flatMap((grant) => {
        const disk = storage!.resolve(grant.resource);
        return disk === undefined ? [] : [{ disk, mode: grant.mode, holder: grant.owner }];
      });
    },
    async records() {
      return writes.slice();
    },
    async teardown() {
      hosts.clear();
    },
  };
}
