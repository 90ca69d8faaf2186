/**
 * The design axis (`--design`, `sim/world/design.ts`): the libvirt design's traces are what they
 * were (no `design` in the header, no supervisors in the world); an RFC-design run records its
 * design, keeps a supervisor per started VM, and replays digest for digest; bad input is one line.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { replayStrict } from '../../sim/run/replay.ts';
import { runRandom } from '../../sim/run/random.ts';
import { parseTrace } from '../../sim/trace/reader.ts';
import { MemorySink } from '../../sim/trace/writer.ts';
import type { Trace, TraceHeader, TraceStep } from '../../sim/trace/format.ts';
import { cli } from '../helpers/cli.ts';

async function recorded(design: 'libvirt' | 'rfc') {
  const driver = await resolveSimDriver('model');
  const sink = new MemorySink();
  const run = runRandom({ driver, seed: 5, steps: 400, faults: ['acquire-fails'], design, sink });
  const trace: Trace = { header: sink.records[0] as TraceHeader,
    steps: sink.records.filter((r) => r.type === 'step') as TraceStep[], end: null };
  return { driver, run, trace, sink };
}

describe('the design axis', () => {
  it('leaves the libvirt design as it was: no design in the header, no supervisors', async () => {
    const { run, trace } = await recorded('libvirt');
    expect('design' in trace.header).toBe(false);
    expect(run.world.supervisors).toEqual([]);
  });

  it('records the rfc design, keeps supervisors, and replays it digest for digest', async () => {
    const { driver, run, trace } = await recorded('rfc');
    expect(trace.header.design).toBe('rfc');
    expect(run.world.supervisors.length).toBe(run.world.domains.length);
    const replay = replayStrict(trace, driver);
    expect(replay.session.count).toBe(trace.steps.length);
    // The same steps under the libvirt design are another run: replay notices.
    const { design: _design, ...libvirt } = trace.header;
    expect(() => replayStrict({ ...trace, header: libvirt }, driver)).toThrow(/digest|refused|not enabled/);
  });

  it('starts supervisors while VMs run under the rfc design', async () => {
    const driver = await resolveSimDriver('model');
    let seen = 0;
    for (let seed = 1; seed <= 3; seed++) {
      const run = runRandom({ driver, seed, steps: 300, faults: [], design: 'rfc', noHeal: true });
      seen += run.world.supervisors.filter((slot) => slot?.alive).length;
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('refuses a trace header with an unknown design, in one line', () => {
    const header = JSON.stringify({ type: 'header', format: 1, model: 'x', driver: 'model',
      config: {}, design: 'bogus', seed: 1, faults: [], shape: { hosts: 1, vms: 1, disks: 1 },
      definitions: [{ name: 'vm0', disks: [], spares: [] }], swarm: null, origin: 'random' });
    expect(() => parseTrace(`${header}\n`, 't.jsonl')).toThrow(/'design' must be one of rfc, rfc-early-shutdown/);
  });

  it('refuses an unknown --design with one clear line and exit 2', async () => {
    for (const command of ['sim', 'explore', 'matrix']) {
      const run = await cli(command, '--design', 'bogus');
      expect(run.code).toBe(2);
      expect(run.err.trim().split('\n')).toHaveLength(1);
      expect(run.err).toMatch(/--design must be one of libvirt, rfc, rfc-early-shutdown, got 'bogus'/);
    }
  });

  it('refuses --real with an RFC design', async () => {
    const run = await cli('sim', '--real', '--design', 'rfc', '--driver', 'ofd');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--real runs the libvirt design only/);
  });
});
