/**
 * `docs/rfc-design.md` gives, per design and driver, the verdict runs produce under the fault
 * classes that judge the seed's three safety claims. Every cell is recomputed here by a run
 * (a small budget: 3 seeds × 1,000 steps; `test/slow/rfc-design-doc.test.ts` uses the matrix's
 * 40 × 2,000), and every scenario and source file the page names exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DESIGNS } from '../../sim/world/design.ts';
import { docCells, recomputeEveryCell, RFC_DESIGN_DOC } from '../helpers/rfc-design-table.ts';

describe('docs/rfc-design.md', () => {
  const text = readFileSync(RFC_DESIGN_DOC, 'utf8');

  it('has a verdict for every design, over model and nop, in the claims\' columns', () => {
    const cells = docCells(text);
    for (const design of DESIGNS) {
      for (const driver of ['model', 'nop']) {
        const row = cells.filter((c) => c.design === design && c.driver === driver);
        expect(row.map((c) => c.fault)).toEqual(['none', 'acquire-fails', 'partial-acquire',
          'release-fails', 'supervisor-crash']);
        for (const cell of row) expect(cell.verdict).toMatch(/^(safe|S[1-7]|F1|L1)$/);
      }
    }
  });

  it('names only scenarios and files that exist', () => {
    const named = [...text.matchAll(/`((?:scenarios|sim|machines|test|api)\/[\w./-]+)`/g)]
      .map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    for (const path of named) expect(existsSync(path), path).toBe(true);
  });

  it("quotes the seed's three claims", () => {
    for (const quote of ["I don't think that is neccessary to specify for safety",
      'I think it is sufficient to leave it undefined, since that is\n   still safe',
      'this is not critical from a safety POV']) {
      expect(text).toContain(quote);
    }
  });

  recomputeEveryCell({ seeds: 3, steps: 1000 });
});
