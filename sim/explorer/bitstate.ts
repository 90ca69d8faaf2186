/**
 * Bitstate storage (SPIN's -DBITSTATE, Holzmann's supertrace) for worlds larger than memory: a
 * state is k bits in one large bit array, set at k places derived from its fingerprint. A state
 * whose k bits are all set already is taken for visited — which is sometimes wrong (another
 * state set them), so some states are never expanded: the count is a lower bound and the search
 * a partial one. No state is ever stored that was not reached, so a violation found is real
 * (and is replayed on the object world before it is reported, as always).
 *
 * The budgets dominate as in `VisitedSet`: a visit with (workload w, faults f) is also k bits
 * (the fingerprint salted with w and f), and a visit is Known when one with w' ≤ w, f' ≤ f is
 * set. "States" counts the fingerprints' own bits newly set.
 *
 * The coverage estimate follows Holzmann ("An analysis of bitstate hashing", 1998): with n
 * states stored in m bits by k hash functions, a fraction ρ = 1 − e^(−k·i/m) of the bits is set
 * after i of them, and a new state is then mistaken for a visited one with probability ρ^k. The
 * expected number of states lost while n were stored is Σ ρ(i)^k / (1 − ρ(i)^k); the estimate
 * n / (n + lost) counts those, not the states only they lead to, so it is an upper bound on the
 * coverage of the state space — and exact coverage needs the exact store.
 */
import { MAX_FAULTS, MAX_WORKLOAD, Visit, type StateStore } from './visited.ts';

/** Hash functions per entry: SPIN's default (-k3). */
export const BITSTATE_HASHES = 3;

/** What a bitstate run reports about its bit array. */
export interface BitstateReport {
  readonly bits: number;
  readonly hashes: number;
  /** Fraction of the bits set at the end. */
  readonly fill: number;
  /** Bits per stored state (SPIN's "hash factor"). */
  readonly hashFactor: number;
  /** The probability, at the end, that a new state is taken for a visited one (fill^k). */
  readonly omission: number;
  /** Holzmann's estimate of the fraction of reachable states stored (see the file comment). */
  readonly coverage: number;
  /** Entries stored, and the expected number lost: what the estimate is made of. */
  readonly entries: number;
  readonly lost: number;
}

/** The report of several bit arrays (the shards'): bits and fill added up, losses too. */
export function mergeBitstate(reports: readonly BitstateReport[], states: number): BitstateReport {
  const bits = reports.reduce((sum, r) => sum + r.bits, 0);
  const set = reports.reduce((sum, r) => sum + r.fill * r.bits, 0);
  const entries = reports.reduce((sum, r) => sum + r.entries, 0);
  const lost = reports.reduce((sum, r) => sum + r.lost, 0);
  const hashes = reports[0]!.hashes;
  return { bits, hashes, fill: set / bits, hashFactor: states > 0 ? bits / states : bits,
    omission: Math.max(...reports.map((r) => r.omission)), entries, lost,
    coverage: entries + lost > 0 ? entries / (entries + lost) : 1 };
}

/** The bit array and its counts (see the file comment). */
export class BitstateSet implements StateStore {
  private readonly words: Int32Array;
  private readonly mask: number;
  /** Distinct states stored (fingerprints whose bits were not all set before). */
  size = 0;
  /** Bits set. */
  private set = 0;
  /** Entries (states and budget visits) stored: the fill the estimate follows. */
  private entries = 0;

  /** `bytes` of bits, rounded down to a power of two (at least 64 bytes). */
  constructor(bytes: number, readonly hashes = BITSTATE_HASHES) {
    let words = 16;
    while (words * 2 * 4 <= bytes) words *= 2;
    this.words = new Int32Array(words);
    this.mask = words * 32 - 1;
  }

  get bytes(): number {
    return this.words.byteLength;
  }

  get bits(): number {
    return this.mask + 1;
  }

  /** Whether the fingerprint's bits are all set (it was stored, or is taken for stored). */
  has(hi: number, lo: number): boolean {
    return this.test(hi, lo, SALT_STATE);
  }

  /** Whether a stored visit dominates one with `work` workload steps and `faults` faults. */
  dominates(hi: number, lo: number, work: number, faults: number): boolean {
    for (let f = 0; f <= faults; f++) {
      for (let w = 0; w <= work; w++) if (this.test(hi, lo, salt(w, f))) return true;
    }
    return false;
  }

  /** Records a visit (`VisitedSet.visit`'s answers). */
  visit(hi: number, lo: number, work: number, faults: number): Visit {
    if (work > MAX_WORKLOAD || faults > MAX_FAULTS) throw new RangeError('budget beyond the store');
    if (this.dominates(hi, lo, work, faults)) return Visit.Known;
    this.insert(hi, lo, salt(work, faults));
    if (this.test(hi, lo, SALT_STATE)) return Visit.Better;
    this.insert(hi, lo, SALT_STATE);
    this.size++;
    return Visit.New;
  }

  report(): BitstateReport {
    const m = this.bits;
    const k = this.hashes;
    const fill = this.set / m;
    // Holzmann's sum over the entries stored, in closed steps of ~1,000 for large n.
    const n = this.entries;
    const stride = Math.max(1, Math.floor(n / 1000));
    let lost = 0;
    for (let i = 0; i < n; i += stride) {
      const p = (1 - Math.exp((-k * i) / m)) ** k;
      lost += (Math.min(stride, n - i) * p) / Math.max(1e-12, 1 - p);
    }
    return { bits: m, hashes: k, fill, hashFactor: this.size > 0 ? m / this.size : m,
      omission: fill ** k, coverage: n + lost > 0 ? n / (n + lost) : 1, entries: n, lost };
  }

  private test(hi: number, lo: number, salted: number): boolean {
    let h1 = mix(hi ^ salted, lo);
    const h2 = mix(lo + salted, hi ^ 0x5bd1e995) | 1;
    for (let j = 0; j < this.hashes; j++) {
      const bit = h1 & this.mask;
      if ((this.words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      h1 = (h1 + h2) | 0;
    }
    return true;
  }

  private insert(hi: number, lo: number, salted: number): void {
    let h1 = mix(hi ^ salted, lo);
    const h2 = mix(lo + salted, hi ^ 0x5bd1e995) | 1;
    for (let j = 0; j < this.hashes; j++) {
      const bit = h1 & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if ((this.words[word]! & flag) === 0) {
        this.words[word] = this.words[word]! | flag;
        this.set++;
      }
      h1 = (h1 + h2) | 0;
    }
    this.entries++;
  }
}

const SALT_STATE = 0x7f4a7c15;

/** A salt per budget pair (distinct from the state's). */
function salt(work: number, faults: number): number {
  return Math.imul(1 + work * 16 + faults, 0x9e3779b1);
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b >>> 15), 0x85ebca77) ^ b;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
