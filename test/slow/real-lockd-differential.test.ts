/**
 * Differential testing of the lockd model against the real virtlockd: traces the simulator draws
 * against the pure model (`model-lockd`, as `lockchart sim --driver model-lockd` does)
 * are replayed against real daemons and real owner processes (as `lockchart replay --real lockd`
 * does). Every real reply must be one the model admits, the kernel's locks must be the model's
 * grants after every step, and the records on the images the writes the run commanded. A
 * disagreement fails the test and names the real-mode trace holding it, which is kept.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { lockdBackend } from '../../real/lockd/backend.ts';
import { runReal } from '../../real/runner.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { runRandom } from '../../sim/run/random.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import { FileSink } from '../../sim/trace/writer.ts';
import { describeVirtlockd } from './lockd-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-differential-'));
let keep = false;
afterAll(() => {
  if (!keep) rmSync(dir, { recursive: true, force: true });
});

/** Safety-phase steps per trace (the heal phase adds its own). */
const STEPS = 150;

/** Fault classes in groups, every class at least once; three seeds each. */
const SWEEP: ReadonlyArray<readonly FaultName[]> = [
  [],
  ['process-crash', 'process-kill', 'connection-drop'],
  ['daemon-crash', 'host-crash'],
  ['daemon-reexec', 'libvirtd-restart'],
  ['acquire-fails', 'release-fails', 'partial-acquire'],
  ['path-alias', 'external-resume', 'image-probe'],
];

/** Draws a trace against the model, replays it for real; returns the findings, described. */
async function differential(seed: number, faults: readonly FaultName[]) {
  const name = `seed${seed}-${faults.join('+') || 'none'}`;
  const drawn = join(dir, `${name}.model.jsonl`);
  const driver = await resolveSimDriver('model-lockd');
  const model = runRandom({ driver, seed, steps: STEPS, faults, sink: new FileSink(drawn) });
  const trace = readTraceFile(drawn);
  const realTrace = join(dir, `${name}.real.jsonl`);
  const real = await runReal({ backend: lockdBackend(), keepGoing: true,
    sink: new FileSink(realTrace),
    source: { kind: 'trace', header: trace.header, steps: trace.steps.map((s) => s.step),
      finished: true } });
  expect(real.steps).toBe(trace.steps.length);
  // The model's verdict is reproduced: the real run walks the same steps.
  expect(real.violation?.invariant ?? null).toBe(model.violation?.invariant ?? null);
  expect(real.liveness?.invariant ?? null).toBe(model.liveness?.invariant ?? null);
  if (real.findings.length > 0) keep = true;
  return real.findings.map((f) => `${realTrace} step ${f.step} [${f.kind}] ${f.message}`);
}

const FINDING_1 = fileURLToPath(new URL('./fixtures/real-lockd-finding1.jsonl', import.meta.url));

describeVirtlockd('lockd model against the real virtlockd (differential)', () => {
  mkdirSync(dir, { recursive: true });

  it('finding 1 stays fixed: a release where this host\'s daemon holds nothing is "not locked"',
    async () => {
      // The sweep's first finding, cut after it: host 0 holds disk2 shared; host 1's libvirtd
      // releases it for a VM that died (its pause's release completes late).
      const trace = readTraceFile(FINDING_1);
      const backend = lockdBackend();
      const replies: string[] = [];
      const call = backend.lockCall.bind(backend);
      backend.lockCall = async (kind, host, pid, disks, state, options) => {
        const reply = await call(kind, host, pid, disks, state, options);
        replies.push(`${kind}@h${host} ${reply.ok ? 'ok' : reply.code}`);
        return reply;
      };
      const result = await runReal({ backend, source: { kind: 'trace', header: trace.header,
        steps: trace.steps.map((record) => record.step) } });
      expect(result.findings).toEqual([]);
      expect(replies.at(-1)).toBe('release@h1 RESOURCE_BUSY');
    });

  it('§6 #8: a pause\'s second release reaches virtlockd and is refused "not locked"', async () => {
    // The scenario's steps, drawn against virtlockd's model (model-lockd), then for real.
    const text = readFileSync('scenarios/double-release-on-pause.scenario', 'utf8')
      .replace(/^driver model$/m, 'driver model-lockd');
    const drawn = join(dir, 'double-release.model.jsonl');
    const scenario = await runScenario(parseScenario(text, 'double-release'), new FileSink(drawn));
    expect(scenario.passed, scenario.message).toBe(true);
    const trace = readTraceFile(drawn);
    const backend = lockdBackend();
    const replies: string[] = [];
    const call = backend.lockCall.bind(backend);
    backend.lockCall = async (kind, host, pid, disks, state, options) => {
      const reply = await call(kind, host, pid, disks, state, options);
      replies.push(`${kind} ${reply.ok ? 'ok' : reply.code}`);
      return reply;
    };
    const result = await runReal({ backend, source: { kind: 'trace', header: trace.header,
      steps: trace.steps.map((record) => record.step) } });
    expect(result.findings).toEqual([]);
    // libvirtd's calls (the child registers itself): start, pause (two releases), resume,
    // the guest's own stop (one release).
    expect(replies).toEqual(['acquire ok', 'release ok', 'release RESOURCE_BUSY', 'acquire ok',
      'release ok']);
  });

  for (const faults of SWEEP) {
    it(`agrees on traces drawn with faults: ${faults.join(', ') || 'none'}`, async () => {
      const findings: string[] = [];
      for (const seed of [1, 2, 3]) findings.push(...await differential(seed, faults));
      expect(findings).toEqual([]);
    });
  }
});
