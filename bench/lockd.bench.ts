/**
 * `npm run bench lockd`: the lockd client against a private real virtlockd (started and stopped
 * here): acquire+release pairs per second on one connection, sequential and pipelined, and the
 * median round trip of one RPC. The daemon is single-threaded; on a 2-vCPU VM the figures depend
 * on whether client and daemon share a CPU (reference §6 measured ~10k pairs/s unpinned), so
 * the bench also prints the round trips of a bare echo over a UNIX socket, the ceiling.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_MANAGER_VERSION, ObjectType, ResourceType } from '../contract/flags.ts';
import { LockdClient } from '../drivers/lockd/client.ts';
import { VirtlockdDaemon } from '../daemons/virtlockd.ts';
import { createLockdDriver } from '../drivers/lockd/driver.ts';
import { neutralOwner, PID_MAX_LIMIT } from '../drivers/lockd/owners.ts';
import type { ProcedureCall } from '../drivers/lockd/protocol.ts';
import { identity } from '../contract/identity.ts';
import { validateResource } from '../contract/resources.ts';
import { atLeast, type BenchFigure } from './harness.ts';
import { socketRoundTrips } from './round-trip-ceiling.ts';

const RUN_MS = 2_000;
const PIPELINE_PAIRS = 50;

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Sequential pairs: each call waits for the previous reply. */
async function sequential(client: LockdClient, acquire: ProcedureCall, release: ProcedureCall) {
  const rpcUs: number[] = [];
  for (let i = 0; i < 500; i++) {
    await client.call(acquire);
    await client.call(release);
  }
  let pairs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS) {
    const t0 = performance.now();
    await client.call(acquire);
    const t1 = performance.now();
    await client.call(release);
    now = performance.now();
    rpcUs.push((t1 - t0) * 1000, (now - t1) * 1000);
    pairs++;
  }
  return { pairsPerS: pairs / ((now - start) / 1000), medianRpcUs: median(rpcUs) };
}

/** Pipelined pairs: PIPELINE_PAIRS acquire+release pairs per write. */
async function pipelined(client: LockdClient, acquire: ProcedureCall, release: ProcedureCall) {
  const batch: ProcedureCall[] = [];
  for (let i = 0; i < PIPELINE_PAIRS; i++) batch.push(acquire, release);
  for (let i = 0; i < 20; i++) await Promise.all(client.callMany(batch));
  let pairs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS) {
    await Promise.all(client.callMany(batch));
    pairs += PIPELINE_PAIRS;
    now = performance.now();
  }
  return pairs / ((now - start) / 1000);
}

/** The same pair through the lockd driver (REGISTER + ACQUIRE, REGISTER + RELEASE). */
async function throughDriver(socket: string, disk: string): Promise<number> {
  const driver = createLockdDriver();
  await driver.init(LOCK_MANAGER_VERSION, { socket }, 0);
  const pid = PID_MAX_LIMIT + 77;
  const object = await driver.create({ type: ObjectType.DOMAIN, params: { ...identity(pid), pid },
    flags: 0 });
  await driver.addResource(object, validateResource(ResourceType.DISK, disk, 0));
  let pairs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS) {
    await driver.acquire(object, { state: null, flags: 0, action: 0 });
    await driver.release(object, 0);
    pairs++;
    now = performance.now();
  }
  await driver.deinit();
  return pairs / ((now - start) / 1000);
}

export default async function lockdBench(): Promise<BenchFigure[]> {
  const daemon = await VirtlockdDaemon.start();
  try {
    const disk = join(daemon.dir, 'bench.img');
    writeFileSync(disk, '');
    const client = await LockdClient.connect(daemon.socketPath,
      { register: neutralOwner('lockchart-bench', 9) });
    const acquire: ProcedureCall =
      { procedure: 'ACQUIRE_RESOURCE', path: '', name: disk, flags: 0 };
    const release: ProcedureCall =
      { procedure: 'RELEASE_RESOURCE', path: '', name: disk, flags: 0 };
    const seq = await sequential(client, acquire, release);
    const piped = await pipelined(client, acquire, release);
    await client.close();
    const driverPairs = await throughDriver(daemon.socketPath, disk);
    const echo = await socketRoundTrips(daemon.dir);
    return [
      atLeast('acquire+release pairs/s, one connection, sequential', seq.pairsPerS, 'pairs/s',
        9_000),
      atLeast(`acquire+release pairs/s, pipelined (${PIPELINE_PAIRS} pairs per write)`, piped,
        'pairs/s', 20_000),
      { name: 'median round trip of one RPC (acquire or release)', value: seq.medianRpcUs,
        unit: 'µs' },
      { name: 'driver acquire+release pairs/s (REGISTER+RPC each, 4 RPCs)', value: driverPairs,
        unit: 'pairs/s' },
      { name: 'bare UNIX-socket echo round trips (no daemon; pair = 2)', value: echo,
        unit: 'rtt/s' },
    ];
  } finally {
    await daemon.stop();
  }
}
