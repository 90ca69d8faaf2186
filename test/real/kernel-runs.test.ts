/**
 * Whole real-mode runs of the kernel-lock drivers: random runs with faults where real processes
 * contend for real disks and reality does what `model-kernel` allows; `replay --real` of a
 * simulator trace; the understood finding of ofd under a libvirtd restart; and a run that dies
 * halfway leaving nothing behind. Short runs: the long ones are in the slow tier.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import type { CommandIo } from '../../cli/command.ts';
import type { RealBackend } from '../../real/backend.ts';
import {
  kernelBackend, KERNEL_REFERENCE, type KernelDriverName,
} from '../../real/kernel/backend.ts';
import { runReal } from '../../real/runner.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { runRandom } from '../../sim/run/random.ts';
import { isFault } from '../../sim/steps.ts';
import { FileSink, MemorySink } from '../../sim/trace/writer.ts';
import { header, leftovers, startSteps, use } from './kernel-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-kernel-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAULTS: readonly FaultName[] = ['process-crash', 'process-kill', 'acquire-fails',
  'release-fails', 'partial-acquire', 'host-crash', 'path-alias', 'image-probe'];

/** Counts what the backend was asked, to show the run really made processes contend. */
function counting(backend: RealBackend) {
  const seen = { launches: 0, busy: 0 };
  const launch = backend.launch.bind(backend);
  const lockCall = backend.lockCall.bind(backend);
  backend.launch = (...args) => {
    seen.launches++;
    return launch(...args);
  };
  backend.lockCall = async (...args) => {
    const reply = await lockCall(...args);
    if (!reply.ok && reply.code === 'RESOURCE_BUSY') seen.busy++;
    return reply;
  };
  return seen;
}

describe('random real-mode runs with faults', () => {
  const cases: ReadonlyArray<[KernelDriverName, number, readonly FaultName[]]> = [
    ['ofd', 4, FAULTS],
    ['posix', 15, [...FAULTS, 'libvirtd-restart']],
  ];
  for (const [name, seed, faults] of cases) {
    it(`${name}, seed ${seed}: processes contend, faults strike, reality agrees`, async () => {
      const census = leftovers();
      const backend = kernelBackend(name);
      const seen = counting(backend);
      const sink = new MemorySink();
      const result = await runReal({ backend, sink,
        source: { kind: 'random', seed, steps: 300, faults } });
      census.check(backend);
      expect(result.findings).toEqual([]);
      expect(result.violation).toBeNull();
      expect(seen.launches).toBeGreaterThan(5);
      expect(seen.busy).toBeGreaterThan(0);
      const injected = sink.records
        .filter((record) => record.type === 'step' && isFault(record.step));
      expect(injected.length).toBeGreaterThan(0);
    });
  }
});

describe('replay --real', () => {
  it('replays a model-kernel simulator trace against real posix locks', async () => {
    const trace = join(dir, 'random.trace.jsonl');
    runRandom({ driver: await resolveSimDriver(KERNEL_REFERENCE), seed: 5, steps: 120,
      faults: ['process-kill', 'image-probe'], sink: new FileSink(trace) });
    let out = '';
    const io: CommandIo = { out: (text) => { out += `${text}\n`; }, err: (text) => { out += text; },
      isTty: false };
    const census = leftovers();
    expect(await main(['replay', '--real', 'posix', trace], io)).toBe(0);
    expect(census.fresh()).toEqual([]);
    expect(out).toMatch(/checked against model 'model-kernel', \d+ steps/);
    expect(out).toContain('findings: none');
  });

  it('refuses a trace of another driver, naming the one it needs', async () => {
    const trace = join(dir, 'model.trace.jsonl');
    runRandom({ driver: await resolveSimDriver('model'), seed: 1, steps: 10, faults: [],
      sink: new FileSink(trace) });
    let err = '';
    const io: CommandIo = { out: () => {}, err: (text) => { err += text; }, isTty: false };
    expect(await main(['replay', '--real', 'ofd', trace], io)).toBe(2);
    expect(err).toMatch(
      /recorded with driver 'model'; real 'ofd' is checked against 'model-kernel'/);
  });
});

describe('understood findings and failures', () => {
  it('ofd loses its host\'s locks when libvirtd restarts: a finding naming the disk', async () => {
    const shape = { hosts: 1, vms: 1, disks: 1 };
    const steps = [...startSteps(0, 0),
      { kind: 'fault', fault: 'libvirtd-restart', host: 0, applied: [] } as const];
    const definitions = [{ name: 'vm0', disks: [use(0)], spares: [] }];
    for (const name of ['ofd', 'posix'] as const) {
      const result = await runReal({ backend: kernelBackend(name, { poolSize: 1 }),
        source: { kind: 'trace', steps,
          header: header(shape, definitions, ['libvirtd-restart']) } });
      expect(result.findings, name).toEqual(name === 'posix' ? [] : [{ step: 3, kind: 'locks',
        what: 'FAULT libvirtd-restart h0 (in-flight calls applied: none)',
        message: 'disk0 is unlocked for real but exclusive in the model (granted to pid 100@h0)',
      }]);
    }
  });

  it('a run that dies halfway leaves no process, lock or file', async () => {
    const census = leftovers();
    const backend = kernelBackend('posix', { poolSize: 2 });
    let observed = 0;
    const observe = backend.observe.bind(backend);
    backend.observe = async () => {
      if (++observed === 25) throw new Error('the observer broke');
      return observe();
    };
    await expect(runReal({ backend, source: { kind: 'random', seed: 2, steps: 100, faults: [] } }))
      .rejects.toThrow('the observer broke');
    census.check(backend);
  });
});
