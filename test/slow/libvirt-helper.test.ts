/**
 * The libvirt helper for real: libvirt.so.0 and lockd.so loaded in a private mount namespace
 * whose /run holds only the host's daemon socket (the machine's own /run/libvirt untouched),
 * libvirt's errors forwarded with libvirt's codes, a VM registered between fork and exec exactly
 * as qemuProcessHook registers QEMU (keeping the leaked connection), and nothing outliving the
 * process that started it — not even when that process is SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { AcquireFlags, NewFlags, ResourceType } from '../../contract/flags.ts';
import { isolatedDaemon } from '../../daemons/isolated-virtlockd.ts';
import { LOCKD_RUN_SOCKET, lockdConfText } from '../../drivers/libvirt/config.ts';
import { LibvirtHelper } from '../../drivers/libvirt/helper-process.ts';
import { ownLockCall } from '../../drivers/libvirt/own-call.ts';
import { LibvirtError } from '../../drivers/libvirt/wire.ts';
import { settle } from '../../conformance/harnesses/lockd.ts';
import { identify } from '../../system/process-identity.ts';
import { locksOnPath } from '../../system/proc-locks.ts';
import { validateResource } from '../../contract/resources.ts';
import { domainOf } from '../../real/libvirt/host.ts';
import { failure } from '../helpers/lock-error.ts';
import { describeLibvirt } from './libvirt-support.ts';
import { Scratch, waitUntil } from './lockd-support.ts';

const scratch = new Scratch();
afterAll(() => scratch.release());
const FIXTURE = fileURLToPath(new URL('./fixtures/libvirt-holder.ts', import.meta.url));

async function host() {
  const daemon = await scratch.daemon(isolatedDaemon());
  writeFileSync(join(daemon.dir, 'qemu-lockd.conf'), lockdConfText({ socket: daemon.socketPath,
    lockspaceDir: null, timeoutMs: 10_000 }));
  const helper = await LibvirtHelper.start({ links: [[LOCKD_RUN_SOCKET, daemon.socketPath]] });
  const plugin = await helper.plugin('lockd', 'qemu', daemon.dir);
  return { daemon, helper, plugin };
}

function machineRunLibvirt(): string[] {
  return existsSync('/run/libvirt') ? readdirSync('/run/libvirt').sort() : [];
}

describeLibvirt("libvirt's lock manager through the helper", () => {
  it('runs in a private /run holding only the host socket; the machine\'s /run is untouched',
    async () => {
      const before = machineRunLibvirt();
      const { daemon, helper } = await host();
      try {
        const mounts = readFileSync(`/proc/${helper.pid}/mountinfo`, 'utf8');
        expect(mounts).toMatch(/ \/run .* - tmpfs lockchart-run /);
        expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/lockchart-run/);
        expect(readlinkSync(`/proc/${helper.pid}/root${LOCKD_RUN_SOCKET}`)).toBe(daemon.socketPath);
        expect(readdirSync(`/proc/${helper.pid}/root/run`)).toEqual(['libvirt']);
      } finally {
        await helper.close();
      }
      expect(machineRunLibvirt()).toEqual(before);
    });

  it("forwards libvirt's own errors, typed, with libvirt's code and domain", async () => {
    const { daemon, helper, plugin } = await host();
    try {
      const disk = scratch.disk();
      const resources = [validateResource(ResourceType.DISK, disk, 0)];
      await helper.domain({ plugin, call: 'acquire', params: domainOf(4_200_001), resources });
      const busy = await failure(helper.domain({ plugin, call: 'acquire',
        params: domainOf(4_200_002), resources }));
      expect(busy).toBeInstanceOf(LibvirtError);
      expect((busy as LibvirtError).libvirt).toEqual({ stage: 'acquire', libvirtCode: 87,
        domain: 51, level: 2 });
      expect(busy.message).toBe(`resource busy: Lockspace resource '${disk}' is locked`);
      const noId = await failure(helper.domain({ plugin, call: 'acquire',
        params: { ...domainOf(4_200_003), id: 0 }, resources }));
      expect([noId.code, (noId as LibvirtError).libvirt.stage, noId.message])
        .toEqual(['INTERNAL_ERROR', 'new', 'internal error: Missing ID parameter for domain object']);
      const missing = await failure(helper.domain({ plugin, call: 'acquire',
        params: domainOf(4_200_004), resources: [validateResource(ResourceType.DISK,
          join(daemon.dir, 'missing.img'), 0)] }));
      expect([missing.code, missing.errno]).toEqual(['SYSTEM_ERROR', 2]);
    } finally {
      await helper.close();
    }
  });

  it('registers a VM between fork and exec; its leaked connection is restricted and its ' +
    'death releases its locks', async () => {
    const { daemon, helper, plugin } = await host();
    try {
      const disk = scratch.disk();
      const resources = [validateResource(ResourceType.DISK, disk, 0)];
      const vm = await helper.spawnVm();
      const fd = await vm.register(plugin, { newFlags: NewFlags.NEW_STARTED,
        flags: AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, params: domainOf(vm.pid),
        resources });
      expect(fd).toBeGreaterThan(2);
      expect(readlinkSync(`/proc/${vm.pid}/fd/${fd}`)).toMatch(/^socket:/);
      expect(readFileSync(`/proc/${vm.pid}/cmdline`, 'utf8')).toMatch(/^lockchart-libvirt-stand-in/);
      expect(locksOnPath(disk)).toEqual([]); // REGISTER_ONLY takes nothing
      await helper.domain({ plugin, call: 'acquire', params: domainOf(vm.pid), resources });
      expect(locksOnPath(disk).map((lock) => [lock.pid, lock.mode])).toEqual([[daemon.pid, 'WRITE']]);
      const denied = await failure(ownLockCall(vm, 'release', disk, 'exclusive', null));
      expect(denied.code).toBe('OPERATION_DENIED');
      expect(locksOnPath(disk)).toHaveLength(1);
      await vm.kill('SIGKILL');
      await settle(daemon.socketPath);
      expect(locksOnPath(disk)).toEqual([]);
    } finally {
      await helper.close();
    }
  });

  it('leaves nothing when the process that started it all is SIGKILLed', async () => {
    const parent = scratch.dir('lockchart-orphan-');
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, parent],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ daemon: number; helper: number; vm: number; disk: string;
      socket: string }>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
      child.once('exit', (code) => reject(new Error(`the fixture exited (${code})`)));
    });
    const pids = [started.daemon, started.helper, started.vm];
    const alive = (pid: number) => identify(pid) !== null;
    expect(pids.every(alive)).toBe(true);
    expect(locksOnPath(started.disk)).toHaveLength(1);
    child.kill('SIGKILL');
    await waitUntil(() => !pids.some(alive), 'the daemon, helper and VM to die');
    await waitUntil(() => locksOnPath(started.disk).length === 0, 'the lock to go');
    expect(readFileSync('/proc/net/unix', 'utf8')).not.toContain(started.socket);
  });
});
