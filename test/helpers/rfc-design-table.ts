/**
 * The verdict table of `docs/rfc-design.md`, read from the page and recomputed by runs: the doc's
 * tests (fast tier, small budget; slow tier, the matrix's budget) hold the page to what the
 * simulator finds, so the page cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runCell, type Column } from '../../matrix/cell.ts';
import { isDesign, type Design } from '../../sim/world/design.ts';

export const RFC_DESIGN_DOC = 'docs/rfc-design.md';

export interface DocCell {
  readonly design: Design;
  readonly driver: string;
  readonly fault: Column;
  /** `safe`, or the invariant the first violating seed broke after shrinking. */
  readonly verdict: string;
}

/** The cells of the table between the `verdicts:begin` and `verdicts:end` markers. */
export function docCells(text = readFileSync(RFC_DESIGN_DOC, 'utf8')): DocCell[] {
  const table = /<!-- verdicts:begin -->\n([\s\S]*?)\n<!-- verdicts:end -->/.exec(text)?.[1];
  if (!table) throw new Error(`${RFC_DESIGN_DOC}: no verdict table between the markers`);
  const rows = table.split('\n').map((line) => line.split('|').slice(1, -1).map((c) => c.trim()));
  const [header, , ...body] = rows;
  const columns = header!.slice(2) as Column[];
  return body.flatMap((row) => {
    const [design, driver, ...verdicts] = row;
    if (!isDesign(design)) throw new Error(`${RFC_DESIGN_DOC}: unknown design '${design}'`);
    return verdicts.map((verdict, i) => ({ design, driver: driver!, fault: columns[i]!, verdict }));
  });
}

/** One test per cell of the page: a run with this budget gives the page's verdict. */
export function recomputeEveryCell(budget: { seeds: number; steps: number }): void {
  for (const cell of docCells()) {
    it(`${cell.design} × ${cell.driver} × ${cell.fault} → ${cell.verdict}`, async () => {
      const result = await runCell({ driver: cell.driver, design: cell.design, fault: cell.fault,
        seeds: budget.seeds, steps: budget.steps, firstSeed: 1, traceDir: null });
      expect(result.verdict === 'safe' ? 'safe' : result.invariant, result.message).toBe(cell.verdict);
    });
  }
}
