/**
 * `npm run bench libvirt`: acquire+release pairs per second through **libvirt's own lockd.so**
 * (libvirt.so.0, run by the libvirt helper) and through **lockchart's lockd driver**, on the same
 * private virtlockd in the same run, for direct and indirect leases. Each pair is what libvirtd
 * does for a resume and a pause: a fresh lock-manager object per call (New, AddResource, one
 * call, Free), on behalf of a VM pid.
 *
 * libvirt's figure is timed inside the helper (no line protocol in the way: libvirt's code
 * alone); lockd.so connects, REGISTERs, sends the call and closes for every call. lockchart's
 * driver keeps one registered management connection, and takes an alias lock besides libvirt's
 * name (two RPCs a call where libvirt sends one, on a connection it already has). The two
 * run in alternating slices, so the load of the shared machine weighs on both alike. Target:
 * lockchart at least as fast (ratio ≥ 1).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identity } from '../contract/identity.ts';
import { LOCK_MANAGER_VERSION, ObjectType, ResourceType } from '../contract/flags.ts';
import { libvirtSupport } from '../drivers/libvirt/build.ts';
import { isolatedDaemon } from '../daemons/isolated-virtlockd.ts';
import { LOCKD_RUN_SOCKET, lockdConfText } from '../drivers/libvirt/config.ts';
import { LibvirtHelper } from '../drivers/libvirt/helper-process.ts';
import { VirtlockdDaemon } from '../daemons/virtlockd.ts';
import { createLockdDriver, type LockdDriver } from '../drivers/lockd/driver.ts';
import { PID_MAX_LIMIT } from '../drivers/lockd/owners.ts';
import { validateResource } from '../contract/resources.ts';
import { atLeast, type BenchFigure } from './harness.ts';

const RUN_MS = 2_000;
const PID = PID_MAX_LIMIT + 31;
const PARAMS = { ...identity(PID), pid: PID };

type Mode = 'direct' | 'indirect';

/** Pairs and seconds, summed over slices. */
interface Tally {
  pairs: number;
  seconds: number;
}

const SLICES = 8;
const SLICE_MS = RUN_MS / SLICES;

/** libvirt's lockd.so, `pairs` pairs timed inside the helper. */
async function libvirtSlice(helper: LibvirtHelper, plugin: number, disk: string, pairs: number,
  tally: Tally): Promise<void> {
  const resources = [validateResource(ResourceType.DISK, disk, 0)];
  tally.seconds += await helper.bench(plugin, pairs, PARAMS, resources);
  tally.pairs += pairs;
}

/** The same pairs driven from here through the helper's line protocol (end to end). */
async function libvirtThroughHelper(helper: LibvirtHelper, plugin: number, disk: string):
  Promise<number> {
  const resources = [validateResource(ResourceType.DISK, disk, 0)];
  let pairs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS / 2) {
    await helper.domain({ plugin, call: 'acquire', params: PARAMS, resources });
    await helper.domain({ plugin, call: 'release', params: PARAMS, resources });
    pairs++;
    now = performance.now();
  }
  return pairs / ((now - start) / 1000);
}

/** lockchart's lockd driver, a fresh object per call as libvirtd makes them, for `ms`. */
function lockchartPairs(driver: LockdDriver, disk: string) {
  const call = async (kind: 'acquire' | 'release') => {
    const object = await driver.create({ type: ObjectType.DOMAIN, params: PARAMS, flags: 0 });
    await driver.addResource(object, validateResource(ResourceType.DISK, disk, 0));
    if (kind === 'acquire') await driver.acquire(object, { state: null, flags: 0, action: 0 });
    else await driver.release(object, 0);
    await driver.free(object);
  };
  return async (ms: number, tally: Tally) => {
    let pairs = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      await call('acquire');
      await call('release');
      pairs++;
      now = performance.now();
    }
    tally.pairs += pairs;
    tally.seconds += (now - start) / 1000;
  };
}

async function measure(daemon: VirtlockdDaemon, mode: Mode): Promise<BenchFigure[]> {
  const dir = join(daemon.dir, `bench-${mode}`);
  mkdirSync(dir);
  const disk = join(dir, 'disk.img');
  writeFileSync(disk, '');
  const lockspaceDir = mode === 'indirect' ? join(dir, 'lockspace') : null;
  writeFileSync(join(dir, 'qemu-lockd.conf'), lockdConfText({ socket: daemon.socketPath,
    lockspaceDir, timeoutMs: 30_000 }));
  const helper = await LibvirtHelper.start({ links: [[LOCKD_RUN_SOCKET, daemon.socketPath]] });
  const driver = createLockdDriver();
  await driver.init(LOCK_MANAGER_VERSION, { socket: daemon.socketPath,
    ...(lockspaceDir ? { file_lockspace_dir: lockspaceDir } : {}) }, 0);
  // Slices of each in turn, so that the machine's load (shared, 2 vCPUs) weighs on both alike.
  const theirs: Tally = { pairs: 0, seconds: 0 };
  const ours: Tally = { pairs: 0, seconds: 0 };
  let endToEnd: number;
  try {
    const plugin = await helper.plugin('lockd', 'qemu', dir);
    const lockchart = lockchartPairs(driver, disk);
    await lockchart(300, { pairs: 0, seconds: 0 }); // warm up
    await libvirtSlice(helper, plugin, disk, 200, { pairs: 0, seconds: 0 });
    const perSlice = Math.max(50, Math.round(200 * (SLICE_MS / 1000) /
      await helper.bench(plugin, 200, PARAMS, [validateResource(ResourceType.DISK, disk, 0)])));
    for (let slice = 0; slice < SLICES; slice++) {
      await libvirtSlice(helper, plugin, disk, perSlice, theirs);
      await lockchart(SLICE_MS, ours);
    }
    endToEnd = await libvirtThroughHelper(helper, plugin, disk);
  } finally {
    await helper.close();
    await driver.deinit();
  }
  const libvirt = theirs.pairs / theirs.seconds;
  const lockchart = ours.pairs / ours.seconds;
  return [
    { name: `${mode}: libvirt lockd.so pairs/s (in the helper)`, value: libvirt, unit: 'pairs/s' },
    { name: `${mode}: libvirt lockd.so pairs/s (driven through the helper)`, value: endToEnd,
      unit: 'pairs/s' },
    { name: `${mode}: lockchart lockd driver pairs/s`, value: lockchart, unit: 'pairs/s' },
    atLeast(`${mode}: lockchart / libvirt (same daemon, same run)`, lockchart / libvirt, 'x', 1),
  ];
}

export default async function libvirtBench(): Promise<BenchFigure[]> {
  const missing = libvirtSupport('lockd');
  if (missing !== null) {
    console.log(`  skipped: ${missing}`);
    return [];
  }
  const daemon = await VirtlockdDaemon.start(isolatedDaemon());
  try {
    return [...await measure(daemon, 'direct'), ...await measure(daemon, 'indirect')];
  } finally {
    await daemon.stop();
  }
}
