/**
 * Kernel lock speed: acquire+release pairs per second through the real drivers, next to raw
 * fcntl measured in the same run by a tiny C program compiled here with gcc.
 *
 * - raw: `F_SETLK` write lock + unlock on byte 0 of an open file, in a C loop: the ceiling.
 * - ofd: `driver.acquire(object)` + `driver.release(object)` on the `ofd` driver, in this process
 *   (each pair opens, locks and closes the disk: three syscalls to raw's two). Target: ≥ 25 % of
 *   raw.
 * - posix: the same two calls on the `posix` driver, whose locks are taken by a supervisor child
 *   (two IPC round trips per pair). Target: ≥ 10,000 pairs/s.
 * - node IPC: a bare ping-pong with an echo child, the ceiling under posix (each pair is two
 *   round trips; see `round-trip-ceiling.ts`). Pin the bench to one CPU (`taskset -c 0`) to see
 *   the code's own speed.
 * Each figure is the best of a few short rounds (raw and ofd alternating), so a noisy neighbour on
 * this 2-core machine hurts no figure alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LockDriver } from '../contract/driver.ts';
import { LOCK_MANAGER_VERSION } from '../contract/flags.ts';
import type { KernelObject } from '../drivers/kernel/kernel-driver.ts';
import { createOfdDriver } from '../drivers/ofd/driver.ts';
import { createPosixDriver } from '../drivers/posix/driver.ts';
import { AgentDirectory } from '../drivers/kernel/supervisor/agents.ts';
import { trackPath } from '../drivers/kernel/supervisor/cleanup.ts';
import { realSupervisor } from '../drivers/kernel/supervisor/real-supervisor.ts';
import { atLeast, rate, type BenchFigure } from './harness.ts';
import { ipcRoundTrips } from './round-trip-ceiling.ts';

const RAW_C = `
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDWR);
  double seconds = atof(argv[2]), elapsed = 0;
  struct flock lock = { .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
  struct timespec start, now;
  long pairs = 0;
  if (fd < 0) return 1;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (elapsed < seconds) {
    for (int i = 0; i < 10000; i++) {
      lock.l_type = F_WRLCK;
      if (fcntl(fd, F_SETLK, &lock)) return 2;
      lock.l_type = F_UNLCK;
      if (fcntl(fd, F_SETLK, &lock)) return 3;
    }
    pairs += 10000;
    clock_gettime(CLOCK_MONOTONIC, &now);
    elapsed = (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
  }
  printf("%.0f\\n", pairs / elapsed);
  return 0;
}
`;

const ROUNDS = 8;
const ROUND_MS = 300;
const ACQUIRE = { state: null, flags: 0, action: 0 } as const;

function rawFcntl(dir: string, disk: string): () => number {
  writeFileSync(join(dir, 'raw.c'), RAW_C);
  execFileSync('gcc', ['-O2', '-o', join(dir, 'raw'), join(dir, 'raw.c')]);
  return () => Number(execFileSync(join(dir, 'raw'), [disk, String(ROUND_MS / 1000)]).toString());
}

async function pairOn(driver: LockDriver<KernelObject>, pid: number, disk: string) {
  await driver.init(LOCK_MANAGER_VERSION, {}, 0);
  const object = await driver.create({ type: 0, params: { id: 1, name: 'bench', pid }, flags: 0 });
  await driver.addResource(object, { kind: 'disk', name: disk, mode: 'exclusive' });
  return async () => {
    await driver.acquire(object, ACQUIRE);
    await driver.release(object, 0);
  };
}

export default async function kernelLocks(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lockchart-bench-'));
  const untrack = trackPath(dir);
  const agents = new AgentDirectory();
  const supervisor = realSupervisor({ agents, vm: () => null });
  const ofd = createOfdDriver();
  const posix = createPosixDriver({ agents });
  try {
    const disk = join(dir, 'disk.img');
    writeFileSync(disk, Buffer.alloc(8192));
    const raw = rawFcntl(dir, disk);
    const ofdPair = await pairOn(ofd, process.pid, disk);
    let [bestRaw, bestOfd] = [0, 0];
    for (let round = 0; round < ROUNDS; round++) {
      bestRaw = Math.max(bestRaw, raw());
      bestOfd = Math.max(bestOfd, await rate(ofdPair, ROUND_MS));
    }
    await ofd.deinit();
    const owner = await supervisor.start({ id: 2, name: 'bench-owner' });
    const posixPair = await pairOn(posix, owner, disk);
    let posixRate = 0;
    for (let round = 0; round < 3; round++) {
      posixRate = Math.max(posixRate, await rate(posixPair, ROUND_MS));
    }
    const ipc = await ipcRoundTrips();
    const ratio = bestOfd / bestRaw;
    return [
      { name: 'raw fcntl F_SETLK pairs (C, same file, same run)', value: bestRaw, unit: 'pairs/s' },
      atLeast('ofd acquire+release pairs (in-process)', bestOfd, 'pairs/s',
        Math.round(bestRaw / 4)),
      { name: 'ofd / raw', value: ratio, unit: 'x', target: '>= 0.25', ok: ratio >= 0.25 },
      atLeast('posix acquire+release pairs (via a supervisor child)', posixRate, 'pairs/s', 10_000),
      { name: 'node IPC round trips (bare echo child; posix pair = 2)', value: ipc, unit: 'rtt/s' },
    ];
  } finally {
    await supervisor.killAll();
    await posix.deinit();
    await ofd.deinit();
    rmSync(dir, { recursive: true, force: true });
    untrack();
  }
}
