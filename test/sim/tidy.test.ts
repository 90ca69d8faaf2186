/**
 * The simulator's determinism rests on one rule: the seeded PRNG is the only randomness and the
 * virtual clock the only time in machines/, sim/ and the model drivers. This test reads their
 * sources and fails on any escape hatch.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['machines', 'sim', 'drivers/model', 'drivers/nop', 'contract/service.ts',
  'drivers/service-driver.ts'];

const BANNED: ReadonlyArray<[RegExp, string]> = [
  [/Math\.random\s*\(/, 'Math.random'],
  [/Date\.now\s*\(/, 'Date.now'],
  [/new Date\s*\(/, 'new Date'],
  [/performance\.now\s*\(/, 'performance.now'],
  [/process\.hrtime/, 'process.hrtime'],
  [/\bsetTimeout\s*\(/, 'setTimeout'],
  [/\bsetInterval\s*\(/, 'setInterval'],
  [/\bsetImmediate\s*\(/, 'setImmediate'],
  [/crypto\.random|randomBytes|randomUUID|getRandomValues/, 'crypto randomness'],
];

function sources(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.ts') || path.endsWith('.mjs') ? [path] : [];
  return readdirSync(path).flatMap((entry) => sources(join(path, entry)));
}

describe('tidy', () => {
  const files = ROOTS.flatMap(sources);

  it('finds the sources it guards', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files).toContain('sim/prng.ts');
  });

  it('bans real randomness and real time in machines/, sim/ and the model drivers', () => {
    const offences: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const [pattern, name] of BANNED) {
        if (pattern.test(text)) offences.push(`${file}: ${name}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('catches an offence when one is planted', () => {
    const planted = 'const x = Math.random(); setTimeout(() => {}, 1);';
    expect(BANNED.filter(([pattern]) => pattern.test(planted)).map(([, name]) => name))
      .toEqual(['Math.random', 'setTimeout']);
  });
});
