import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { CommandIo } from '../../cli/command.ts';
import { main } from '../../cli/main.ts';
import { CATALOG, catalogEntry } from '../../machines/catalog.ts';
import { toDot } from '../../viz/dot.ts';
import { toMermaid } from '../../viz/mermaid.ts';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (t) => out.push(t), err: (t) => err.push(t), isTty: false };
  const code = await main(['diagram', ...argv], io);
  return { code, out: out.join(''), err: err.join('') };
}

describe('lockchart diagram', () => {
  const domain = catalogEntry('domain')?.machine;
  if (!domain) throw new Error('the catalogue has no domain machine');

  it('prints Mermaid by default and DOT with highlighted states on request', async () => {
    expect(await run('domain')).toEqual({ code: 0, out: toMermaid(domain), err: '' });
    const active = ['active', 'active.vcpus', 'active.vcpus.running'];
    const dot = await run('domain', '--format', 'dot', '--active', active.join(','));
    expect(dot).toEqual({ code: 0, out: toDot(domain, { active }), err: '' });
  });

  it('writes SVG to a file with -o', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockchart-diagram-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'process.svg');
    const result = await run('process', '--format', 'svg', '-o', file);
    expect(result).toEqual({ code: 0, out: '', err: '' });
    expect(readFileSync(file, 'utf8')).toContain('id="state:alive.running"');
  });

  it.each([
    [['nope'], CATALOG.map((entry) => entry.name)],
    [[], CATALOG.map((entry) => entry.name)],
    [['domain', '--format', 'png'], ['mermaid', 'dot', 'svg']],
    [['domain', '--active', 'active.nowhere'], ['active.vcpus.running', 'destroying']],
  ])('rejects %j with one line listing the valid choices', async (argv, choices) => {
    const result = await run(...argv);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.trim().split('\n')).toHaveLength(1);
    for (const choice of choices) expect(result.err).toContain(choice);
  });
});
