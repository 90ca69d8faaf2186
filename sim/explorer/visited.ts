/**
 * The visited set: 64-bit fingerprints in an open-addressing table on one typed array, with the
 * budgets each state was reached with.
 *
 * A state reached again with no more workload steps and no more faults used than some earlier
 * visit has nothing new to offer: everything it can do, the earlier visit could. One that used
 * fewer of either is expanded again (BFS meets states in order of depth, so the earlier visit is
 * never deeper). Per state the table keeps, for each number of faults f, the least workload
 * used with f faults, one nibble each (15: never).
 */

/** Slots hold [hi, lo, budgets]; an all-zero slot is empty (fingerprints are never (0, 0)). */
const WORDS = 3;
const MAX_LOAD = 0.6;

/** What a visit found: Known (it or a visit that dominates it is stored: skip it), New (a new
 * state), Better (a stored state reached with a budget no earlier visit dominates: expand it
 * again). */
export const Visit = { Known: 0, New: 1, Better: 2 } as const;
/** One of `Visit`'s values. */
export type Visit = (typeof Visit)[keyof typeof Visit];

/** The largest workload budget the nibbles can hold (15 means never). */
export const MAX_WORKLOAD = 14;
/** The largest fault budget the nibbles can hold. */
export const MAX_FAULTS = 7;

/** Where the explorer keeps its states: exactly (`VisitedSet`) or as bits (`BitstateSet`). */
export interface StateStore {
  /** Distinct states stored. */
  readonly size: number;
  readonly bytes: number;
  has(hi: number, lo: number): boolean;
  dominates(hi: number, lo: number, work: number, faults: number): boolean;
  visit(hi: number, lo: number, work: number, faults: number): Visit;
}

/** The fingerprint table (see the file comment). */
export class VisitedSet implements StateStore {
  private slots: Int32Array;
  private mask: number;
  /** Distinct states stored. */
  size = 0;

  constructor(capacity = 1 << 16) {
    let slots = 1;
    while (slots < capacity) slots <<= 1;
    this.slots = new Int32Array(slots * WORDS);
    this.mask = slots - 1;
  }

  /** Bytes the table occupies. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Whether a fingerprint is stored (with any budget). */
  has(hi: number, lo: number): boolean {
    return this.find(hi, lo === 0 && hi === 0 ? 1 : lo) >= 0;
  }

  /** Whether a stored visit dominates one with `work` workload steps and `faults` faults used
   * (`visit` would answer Known; nothing is recorded). */
  dominates(hi: number, lo: number, work: number, faults: number): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    const at = this.find(hi, lo);
    if (at < 0) return false;
    const budgets = this.slots[at + 2]!;
    for (let f = 0; f <= faults; f++) {
      if (((budgets >>> (f * 4)) & 15) <= work) return true;
    }
    return false;
  }

  /** Records a visit with `work` workload steps and `faults` faults used. */
  visit(hi: number, lo: number, work: number, faults: number): Visit {
    if (hi === 0 && lo === 0) lo = 1;
    const at = this.find(hi, lo);
    if (at >= 0) return this.improve(at, work, faults);
    if (this.size + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const slot = this.freeSlot(hi, lo);
    this.slots[slot] = hi;
    this.slots[slot + 1] = lo;
    this.slots[slot + 2] = withBudget(-1, work, faults);
    this.size++;
    return Visit.New;
  }

  private improve(slot: number, work: number, faults: number): Visit {
    const budgets = this.slots[slot + 2]!;
    for (let f = 0; f <= faults; f++) {
      if (((budgets >>> (f * 4)) & 15) <= work) return Visit.Known;
    }
    this.slots[slot + 2] = withBudget(budgets, work, faults);
    return Visit.Better;
  }

  private find(hi: number, lo: number): number {
    const slots = this.slots;
    let i = (mixIndex(hi, lo) & this.mask) * WORDS;
    const end = slots.length;
    for (;;) {
      const h = slots[i]!;
      const l = slots[i + 1]!;
      if (h === 0 && l === 0) return -1;
      if (h === hi && l === lo) return i;
      i += WORDS;
      if (i >= end) i = 0;
    }
  }

  private freeSlot(hi: number, lo: number): number {
    const slots = this.slots;
    let i = (mixIndex(hi, lo) & this.mask) * WORDS;
    while (slots[i] !== 0 || slots[i + 1] !== 0) {
      i += WORDS;
      if (i >= slots.length) i = 0;
    }
    return i;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length / WORDS - 1;
    for (let i = 0; i < old.length; i += WORDS) {
      if (old[i] === 0 && old[i + 1] === 0) continue;
      const slot = this.freeSlot(old[i]!, old[i + 1]!);
      this.slots[slot] = old[i]!;
      this.slots[slot + 1] = old[i + 1]!;
      this.slots[slot + 2] = old[i + 2]!;
    }
  }
}

/** `budgets` with the nibble of `faults` lowered to `work` (-1: every nibble 15). */
function withBudget(budgets: number, work: number, faults: number): number {
  const shift = faults * 4;
  return (budgets & ~(15 << shift)) | (Math.min(work, 15) << shift);
}

function mixIndex(hi: number, lo: number): number {
  return Math.imul(hi ^ (lo >>> 7), 0x9e3779b1) ^ lo;
}
