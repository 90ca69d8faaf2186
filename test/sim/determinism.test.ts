import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { runRandom } from '../../sim/run/random.ts';
import { FileSink } from '../../sim/trace/writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockchart-determinism-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function traceBytes(name: string, seed: number, faults: string[]): Promise<Buffer> {
  const driver = await resolveSimDriver('model');
  const path = join(dir, name);
  runRandom({ driver, seed, steps: 1500, faults: faults as never, sink: new FileSink(path) });
  return readFileSync(path);
}

describe('determinism', () => {
  it('one seed reproduces a run byte for byte, faults and failure outcomes included', async () => {
    const faults = ['daemon-reexec', 'libvirtd-restart', 'acquire-fails', 'release-fails',
      'partial-acquire', 'process-crash'];
    for (const seed of [1, 99, 0xdeadbeef]) {
      const first = await traceBytes(`a-${seed}`, seed, faults);
      const second = await traceBytes(`b-${seed}`, seed, faults);
      expect(first.length).toBeGreaterThan(1000);
      expect(second.equals(first)).toBe(true);
    }
  });

  it('different seeds give different runs', async () => {
    const a = await traceBytes('s1', 1, []);
    const b = await traceBytes('s2', 2, []);
    expect(a.equals(b)).toBe(false);
  });
});
