/**
 * The `lease` model driver: sanlock's timing under sanlock's names, runs that live on the
 * virtual clock only (one seed, one run, byte for byte; its trace replays digest for digest),
 * time that passes in the trace, and the conformance suite it passes like any driver.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../conformance/run.ts';
import { serviceHarness } from '../../conformance/harnesses/model.ts';
import { describeParams, readParams } from '../../drivers/lease/params.ts';
import { leaseModel } from '../../drivers/lease/model.ts';
import { createServiceDriver } from '../../drivers/service-driver.ts';
import { LockError } from '../../contract/errors.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { runRandom } from '../../sim/run/random.ts';
import { replayStrict } from '../../sim/run/replay.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TIMED = ['process-pause', 'storage-eio', 'storage-stall', 'clock-jump', 'watchdog-off',
  'daemon-crash', 'host-crash', 'process-crash'];

describe('lease parameters', () => {
  it("derive from io_timeout as sanlock's timeouts.c does", () => {
    const defaults = readParams({});
    expect(defaults).toMatchObject({ ioTimeoutS: 10, idRenewalMs: 20_000, idRenewalFailMs: 80_000,
      killGraceMs: 40_000, fireTimeoutMs: 60_000, hostDeadMs: 140_000, useWatchdog: true });
    const here = readParams({ io_timeout: 1, use_watchdog: 0, kill_grace_seconds: 3 });
    expect(here).toMatchObject({ idRenewalMs: 2_000, idRenewalFailMs: 8_000, hostDeadMs: 68_000,
      killGraceMs: 3_000, useWatchdog: false });
    expect(describeParams(here)).toMatch(/io_timeout 1 s.*no watchdog \(-w 0\), host_dead 68 s/);
    expect(readParams({ io_timeout: '0' }).ioTimeoutS).toBe(10);
  });

  it('refuse bad values with one clear error', () => {
    for (const config of [{ io_timeout: 'ten' }, { io_timeout: -1 }, { use_watchdog: 'maybe' },
      { holder_sigterm: 'stop' }, { clock_rates: '1:3' }, { disk_lease_dir: 'relative' }]) {
      expect(() => readParams(config)).toThrow(LockError);
    }
    expect(() => readParams({ io_timeout: 'ten' })).toThrow(/'io_timeout' must be a whole number/);
  });
});

describe('lease runs', () => {
  it('are deterministic: one seed, the same trace byte for byte, faults on the clock included', async () => {
    const driver = await resolveSimDriver('lease');
    for (const seed of [3, 77]) {
      const [a, b] = ['a', 'b'].map((run) => {
        const path = join(dir, `${run}-${seed}.jsonl`);
        runRandom({ driver, seed, steps: 1200, faults: TIMED as never, sink: new FileSink(path) });
        return readFileSync(path);
      });
      expect(a!.length).toBeGreaterThan(1000);
      expect(b!.equals(a!)).toBe(true);
    }
  });

  it('move the virtual clock by the service\'s instants, and replay digest for digest', async () => {
    const driver = await resolveSimDriver('lease');
    const path = join(dir, 'timed.jsonl');
    const run = runRandom({ driver, seed: 11, steps: 1500, faults: TIMED as never,
      sink: new FileSink(path) });
    const trace = readTraceFile(path);
    // Time steps appear, and the clock passes whole leases (hundreds of simulated seconds).
    expect(trace.steps.some(({ step }) => step.kind === 'time')).toBe(true);
    const result = replayStrict(trace, driver);
    expect(result.steps).toBe(run.steps);
    expect(result.violation).toEqual(run.violation);
  });

  it('never see a time step with an untimed driver', async () => {
    const driver = await resolveSimDriver('model');
    const path = join(dir, 'untimed.jsonl');
    runRandom({ driver, seed: 11, steps: 800, faults: TIMED as never, sink: new FileSink(path) });
    const steps = readTraceFile(path).steps.map((line) => line.step);
    expect(steps.some((step) => step.kind === 'time')).toBe(false);
    expect(steps.some((step) => step.kind === 'fault' &&
      ['process-pause', 'storage-eio', 'clock-jump'].includes(step.fault))).toBe(false);
  });
});

describe('lease conformance', () => {
  it('passes the conformance suite like any driver', async () => {
    const results = await runConformance(serviceHarness(() => createServiceDriver(leaseModel), {}));
    expect(results.filter((result) => result.verdict === 'fail')).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
  });
});

describe("on_lockfailure 'pause' (§6 #17)", () => {
  it('stops the killing once the STOP path released; without that release, SIGKILL comes', async () => {
    const file = 'scenarios/sanlock-lockfailure-pause.scenario';
    const released = await runScenario(loadScenario(file));
    expect(released.passed, released.message).toBe(true);
    // The same lease loss, the release never reaching the daemon: the pid still uses the
    // lockspace at kill_grace's end and is SIGKILLed.
    const scenario = loadScenario(file);
    const actions = scenario.actions.filter(({ action }) => !(action.type === 'step' &&
      action.step.kind === 'complete' && action.step.invoke === 'releaseLocks'));
    const stuck = await runScenario({ ...scenario, actions });
    expect(stuck.passed).toBe(false);
    expect(stuck.message).toMatch(/assertion failed: qemu of web@h0 is dead, not paused/);
  });
});
