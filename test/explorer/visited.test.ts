/** The visited set: fingerprints survive growth, and budgets dominate as documented. */
import { describe, expect, it } from 'vitest';
import { Prng } from '../../sim/prng.ts';
import { SearchTree } from '../../sim/explorer/search-tree.ts';
import { Visit, VisitedSet } from '../../sim/explorer/visited.ts';

describe('the visited set', () => {
  it('keeps every fingerprint through growth, in 12 bytes a slot', () => {
    const set = new VisitedSet(16);
    const prng = new Prng(42);
    const stored: [number, number][] = [];
    for (let i = 0; i < 100_000; i++) {
      const fp: [number, number] = [prng.int(2 ** 31) | 0, prng.int(2 ** 31) | 0];
      if (set.visit(fp[0], fp[1], 0, 0) === Visit.New) stored.push(fp);
    }
    expect(set.size).toBe(stored.length);
    expect(stored.every(([hi, lo]) => set.has(hi, lo))).toBe(true);
    expect(set.has(123, 456)).toBe(stored.some(([hi, lo]) => hi === 123 && lo === 456));
    // Load stays between 0.3 and 0.6 of the slots, 3 words each.
    expect(set.bytes / set.size).toBeGreaterThanOrEqual(12 / 0.6);
    expect(set.bytes / set.size).toBeLessThanOrEqual(12 / 0.3);
  });

  it('stores the all-zero fingerprint too', () => {
    const set = new VisitedSet();
    expect(set.has(0, 0)).toBe(false);
    expect(set.visit(0, 0, 0, 0)).toBe(Visit.New);
    expect(set.has(0, 0)).toBe(true);
  });

  it('re-expands a state only when reached with a budget no earlier visit dominates', () => {
    const set = new VisitedSet();
    expect(set.visit(7, 9, 2, 1)).toBe(Visit.New);
    expect(set.visit(7, 9, 2, 1)).toBe(Visit.Known);
    expect(set.visit(7, 9, 3, 2)).toBe(Visit.Known);
    expect(set.visit(7, 9, 1, 1)).toBe(Visit.Better);
    expect(set.visit(7, 9, 3, 0)).toBe(Visit.Better);
    expect(set.visit(7, 9, 1, 2)).toBe(Visit.Known);
    expect(set.visit(7, 9, 3, 1)).toBe(Visit.Known);
    expect(set.visit(7, 9, 0, 3)).toBe(Visit.Better);
    expect(set.size).toBe(1);
  });
});

describe('the search tree', () => {
  it('gives back the step indices from the root', () => {
    const tree = new SearchTree();
    const root = tree.add(-1, 0);
    let node = root;
    for (let i = 0; i < 70_000; i++) node = tree.add(node, i % 65_536);
    const path = tree.path(node);
    expect(path).toHaveLength(70_000);
    expect(path[0]).toBe(0);
    expect(path[69_999]).toBe(69_999 % 65_536);
    expect(tree.path(root)).toEqual([]);
    expect(tree.bytes / tree.size).toBeLessThanOrEqual(12);
  });
});
