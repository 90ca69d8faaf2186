/**
 * `npm run bench sanlock`: acquire+release pairs per second through lockchart's sanlock client
 * against a private real daemon (started and stopped here), with the lockspace and the lease on
 * a private tmpfs (mounted under a temp dir and unmounted after), as the reference measured a
 * minimal client: 534 pairs/s with libsanlock's Python binding, so the target is 90 % of that.
 * Also printed: latency percentiles, the same pair on behalf of another registered process (a
 * short connection per call, as libvirt does it), through the whole driver, with the lease file
 * on the ext4 root instead of tmpfs, and — the yardstick on a machine whose speed varies —
 * through libsanlock itself (`libsanlock-pairs.py`, ctypes) against the same daemon and lease,
 * alternating with lockchart's client, best of two rounds each. Where libvirt-sanlock is installed,
 * also libvirt's own sanlock.so on the same daemon and lease (`libvirtSanlockPairs`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { identity } from '../contract/identity.ts';
import { cleanupOnExit } from '../system/exit-cleanup.ts';
import { ObjectType, ResourceType } from '../contract/flags.ts';
import { validateResource } from '../contract/resources.ts';
import type { Registration } from '../drivers/sanlock/client.ts';
import { SanlockDaemon } from '../daemons/sanlock.ts';
import { joinHost } from '../conformance/hazards/sanlock.ts';
import { ensureLeaseFile } from '../drivers/sanlock/lease-files.ts';
import { spawnSanlockOwner } from '../conformance/harnesses/sanlock.ts';
import { leaseOf } from '../drivers/sanlock/naming.ts';
import type { SanlockResource } from '../drivers/sanlock/wire.ts';
import { atLeast, type BenchFigure } from './harness.ts';
import { libvirtSupport } from '../drivers/libvirt/build.ts';
import { createLibvirtSanlockDriver } from '../drivers/libvirt/driver.ts';
import { AcquireFlags, LOCK_MANAGER_VERSION, NewFlags } from '../contract/flags.ts';

const RUN_MS = 3_000;
const LIBSANLOCK = fileURLToPath(new URL('./libsanlock-pairs.py', import.meta.url));
/** Reference §5: libsanlock's Python binding on tmpfs. */
const REFERENCE_PAIRS = 534;

function percentile(values: number[], p: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** Runs `pair` for RUN_MS after a warm-up; pairs per second and per-pair latencies (ms). */
async function measure(pair: () => Promise<void>): Promise<{ rate: number; ms: number[] }> {
  for (let i = 0; i < 50; i++) await pair();
  const ms: number[] = [];
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS) {
    const t0 = performance.now();
    await pair();
    now = performance.now();
    ms.push(now - t0);
  }
  return { rate: ms.length / ((now - start) / 1000), ms };
}

/** A private tmpfs under a temp dir; `unmount` (also run at exit) undoes it. */
function mountTmpfs(): { dir: string; unmount: () => void } {
  const parent = mkdtempSync(join(tmpdir(), 'lc-bench-'));
  const dir = join(parent, 'tmpfs');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0700', 'tmpfs', dir]);
  let dispose = () => {};
  const unmount = () => {
    try {
      execFileSync('umount', [dir]);
    } catch {
      execFileSync('umount', ['-l', dir]); // busy (a daemon still had it open): detach it
    }
    rmSync(parent, { recursive: true, force: true });
    dispose();
  };
  dispose = cleanupOnExit(unmount);
  return { dir, unmount };
}

/** libsanlock's own pairs/s on the same lease, or null when python3 or the library is missing. */
async function libsanlockRate(runDir: string, lease: SanlockResource): Promise<number | null> {
  try {
    const { stdout } = await promisify(execFile)('python3', [LIBSANLOCK, runDir, lease.lockspace,
      lease.name, lease.disks[0]!.path, String(lease.disks[0]!.offset), String(RUN_MS / 1000)]);
    return Number(stdout.trim());
  } catch {
    return null;
  }
}

function diskLease(leaseDir: string, diskDir: string, name: string): SanlockResource {
  const disk = join(diskDir, name);
  writeFileSync(disk, '');
  return leaseOf({ kind: 'disk', name: disk, mode: 'exclusive' }, leaseDir)!;
}

/**
 * Pairs per second through libvirt's sanlock.so, each call as libvirtd makes it (New,
 * AddResource, Acquire or Release, Free: Release asks inquire first), for a VM registered by
 * sanlock.so in its child; timed inside the helper (no line protocol). Null where it cannot run.
 */
async function libvirtSanlockPairs(runDir: string, leaseDir: string, disk: string):
  Promise<number | null> {
  if (libvirtSupport('sanlock') !== null) return null;
  const driver = createLibvirtSanlockDriver({ parentDir: dirname(leaseDir) });
  await driver.init(LOCK_MANAGER_VERSION, { run_dir: runDir, disk_lease_dir: leaseDir,
    host_id: 1, io_timeout: 1 }, 0);
  try {
    const vm = await driver.spawnVm();
    const params = { ...identity(vm.pid), pid: vm.pid, uri: 'qemu:///system' };
    const resources = [validateResource(ResourceType.DISK, disk, 0)];
    await vm.register(driver.plugin(), { newFlags: NewFlags.NEW_STARTED,
      flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, params, resources });
    let best = 0;
    for (let round = 0; round < 2; round++) {
      const pairs = 500;
      const seconds = await driver.helper().bench(driver.plugin(), pairs, params, resources);
      best = Math.max(best, pairs / seconds);
    }
    await vm.kill('SIGKILL');
    return best;
  } finally {
    await driver.deinit();
  }
}

export default async function sanlockBench(): Promise<BenchFigure[]> {
  const tmpfs = mountTmpfs();
  let daemon: SanlockDaemon | null = null;
  const ext4 = mkdtempSync(join(tmpdir(), 'lc-bench-ext4-'));
  try {
    daemon = await SanlockDaemon.start();
    const leaseDir = join(tmpfs.dir, 'leases');
    mkdirSync(leaseDir);
    const host = await joinHost(daemon, leaseDir, 1);
    const client = daemon.client;
    const lease = diskLease(leaseDir, tmpfs.dir, 'bench.img');
    await ensureLeaseFile(client, lease);
    const onExt4 = { ...diskLease(leaseDir, tmpfs.dir, 'bench-ext4.img'),
      disks: [{ path: join(ext4, 'bench-ext4.lease'), offset: 0 }] };
    await ensureLeaseFile(client, onExt4);

    let own = { rate: 0, ms: [] as number[] };
    let reference: number | null = null;
    for (let round = 0; round < 2; round++) {
      const registration: Registration = await client.register();
      const mine = await measure(async () => {
        await registration.acquire([lease], 'lockchart-bench');
        await registration.release([lease]);
      });
      await registration.close();
      if (mine.rate > own.rate) own = mine;
      const theirs = await libsanlockRate(daemon.dir, lease);
      if (theirs !== null) reference = Math.max(reference ?? 0, theirs);
    }
    const registration: Registration = await client.register();
    const ownExt4 = await measure(async () => {
      await registration.acquire([onExt4], 'lockchart-bench');
      await registration.release([onExt4]);
    });
    await registration.close();

    const owner = await spawnSanlockOwner(host.config);
    await owner.register({ restrict: true });
    const behalf = await measure(async () => {
      await client.acquire(owner.pid, [lease], 'lockchart-bench');
      await client.release(owner.pid, [lease]);
    });
    const object = await host.driver.create({ type: ObjectType.DOMAIN,
      params: { ...identity(owner.pid), pid: owner.pid }, flags: 0 });
    await host.driver.addResource(object, validateResource(ResourceType.DISK,
      join(tmpfs.dir, 'bench.img'), 0));
    const driver = await measure(async () => {
      await host.driver.acquire(object, { state: null, flags: 0, action: 0 });
      await host.driver.release(object, 0);
    });
    await owner.kill('SIGKILL');
    const libvirt = await libvirtSanlockPairs(daemon.dir, leaseDir, join(tmpfs.dir, 'bench.img'));

    return [
      atLeast(`acquire+release pairs/s, registered connection, tmpfs (90% of ${REFERENCE_PAIRS})`,
        own.rate, 'pairs/s', Math.ceil(REFERENCE_PAIRS * 0.9)),
      ...(reference === null ? [] : [
        { name: 'libsanlock itself (C, via ctypes), same daemon and lease, now', value: reference,
          unit: 'pairs/s' },
        { name: 'lockchart client / libsanlock, now', value: own.rate / reference, unit: '×' },
      ]),
      { name: 'pair latency p50, registered connection, tmpfs', value: percentile(own.ms, 0.5),
        unit: 'ms' },
      { name: 'pair latency p99, registered connection, tmpfs', value: percentile(own.ms, 0.99),
        unit: 'ms' },
      { name: 'pairs/s on behalf of another pid (libvirt: a connection per call)',
        value: behalf.rate, unit: 'pairs/s' },
      { name: 'pairs/s through the sanlock driver (inquire + release each)', value: driver.rate,
        unit: 'pairs/s' },
      { name: 'pairs/s, registered connection, lease on the ext4 root', value: ownExt4.rate,
        unit: 'pairs/s' },
      ...(libvirt === null ? [] : [
        { name: "pairs/s through libvirt's sanlock.so (libvirt-sanlock, timed in the helper)",
          value: libvirt, unit: 'pairs/s' },
        { name: "pair latency through libvirt's sanlock.so", value: 1000 / libvirt, unit: 'ms' },
        { name: 'pair latency through the sanlock driver (same daemon and lease)',
          value: 1000 / driver.rate, unit: 'ms' },
      ]),
    ];
  } finally {
    await daemon?.stop();
    tmpfs.unmount();
    rmSync(ext4, { recursive: true, force: true });
  }
}
