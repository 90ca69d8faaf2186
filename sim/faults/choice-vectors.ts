/** The choice vectors of faults that decide, per call in flight, what happened to it. */

const vectors: boolean[][][] = [];

/** All 2^k boolean vectors of length k, in binary order (all-false first). */
export function choiceVectors(k: number): readonly (readonly boolean[])[] {
  let list = vectors[k];
  if (!list) {
    list = [];
    for (let bits = 0; bits < 1 << k; bits++) {
      list.push([...Array(k).keys()].map((i) => ((bits >> i) & 1) === 1));
    }
    vectors[k] = list;
  }
  return list;
}
