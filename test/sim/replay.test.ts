import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { runRandom } from '../../sim/run/random.ts';
import { ReplayError, replayStrict } from '../../sim/run/replay.ts';
import { parseTrace, readTraceFile, TraceError } from '../../sim/trace/reader.ts';
import { FileSink } from '../../sim/trace/writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function record(name: string, faults: string[], seed = 5) {
  const driver = await resolveSimDriver('model');
  const path = join(dir, name);
  const run = runRandom({ driver, seed, steps: 1200, faults: faults as never, sink: new FileSink(path) });
  return { path, run, driver };
}

describe('replay', () => {
  it('reproduces a recorded run exactly: every digest and the verdict', async () => {
    const { path, run, driver } = await record('a.jsonl', ['daemon-crash']);
    const result = replayStrict(readTraceFile(path), driver);
    expect(result.steps).toBe(run.steps);
    expect(result.violation).toEqual(run.violation);
    expect(result.liveness).toEqual(run.liveness);
  });

  it('refuses a trace recorded with another model version', async () => {
    const { path, driver } = await record('b.jsonl', []);
    const lines = readFileSync(path, 'utf8').split('\n');
    const header = JSON.parse(lines[0]!);
    header.model = '0-00000000';
    lines[0] = JSON.stringify(header);
    expect(() => replayStrict(parseTrace(lines.join('\n'), 'b'), driver))
      .toThrow(/recorded with model version 0-00000000, this lockchart runs/);
  });

  it('notices a step whose world no longer matches its digest', async () => {
    const { path, driver } = await record('c.jsonl', []);
    const lines = readFileSync(path, 'utf8').split('\n');
    const step = JSON.parse(lines[5]!);
    step.h = step.h === '00000000' ? '11111111' : '00000000';
    lines[5] = JSON.stringify(step);
    expect(() => replayStrict(parseTrace(lines.join('\n'), 'c'), driver)).toThrow(ReplayError);
    expect(() => replayStrict(parseTrace(lines.join('\n'), 'c'), driver)).toThrow(/step 4 diverged/);
  });

  it('replays the prefix a crash leaves (a last line cut mid-write, no end record)', async () => {
    const { path, driver } = await record('d.jsonl', []);
    const text = readFileSync(path, 'utf8');
    const cut = text.slice(0, Math.floor(text.length / 2));
    const prefix = parseTrace(cut, 'd');
    expect(prefix.end).toBeNull();
    expect(prefix.truncated).toBe(true);
    expect(replayStrict(prefix, driver).steps).toBe(prefix.steps.length);
  });
});

describe('malformed trace files are one clear error each', () => {
  const header = (extra: object) => JSON.stringify({ type: 'header', format: 1, model: 'x',
    driver: 'model', config: {}, seed: 1, faults: [], shape: { hosts: 1, vms: 1, disks: 1 },
    definitions: [{ name: 'vm0', disks: [{ disk: 0, mode: 'exclusive', path: '/shared/disk0.img' }],
      spares: [] }], swarm: null, origin: 'random', ...extra });
  const cases: ReadonlyArray<[string, RegExp]> = [
    ['', /empty file, not a lockchart trace/],
    ['{"hello": 1}\n', /t:1: not a lockchart trace/],
    ['not json\n', /t:1: not valid JSON/],
    [`${header({ format: 9 })}\n`, /t:1: bad header: trace format 9 is not supported/],
    [`${header({ faults: ['meteor'] })}\n`, /t:1: bad header: 'faults'/],
    [`${header({ shape: { hosts: 0, vms: 1, disks: 1 } })}\n`, /'shape.hosts' must be an integer/],
    [`${header({})}\n{"type":"step","i":0,"step":{"kind":"warp"},"h":"00000000"}\n`, /t:2: bad step: unknown step kind "warp"/],
    [`${header({})}\n{"type":"step","i":3,"step":{"kind":"exit","vm":0,"host":0},"h":"00000000"}\n`, /t:2: step index 3, expected 0/],
    [`${header({})}\n{"type":"step","i":0,"step":{"kind":"exit","vm":-1,"host":0},"h":"00000000"}\n`, /'vm' must be a non-negative integer/],
    [`${header({})}\ngarbage\n{"type":"end"}\n`, /t:2: not valid JSON/],
  ];
  for (const [text, message] of cases) {
    it(`rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
      expect(() => parseTrace(text, 't')).toThrow(TraceError);
      expect(() => parseTrace(text, 't')).toThrow(message);
    });
  }

  it('a missing file names the file', () => {
    writeFileSync(join(dir, 'exists'), '');
    expect(() => readTraceFile(join(dir, 'missing.jsonl'))).toThrow(/missing\.jsonl: cannot read trace \(ENOENT\)/);
  });
});
