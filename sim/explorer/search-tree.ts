/**
 * The BFS tree, compactly: per expanded state its parent's index and the index of the step
 * that reached it among the parent's successors (6 bytes). A counterexample is rebuilt by
 * walking up to the root and replaying the indices forward (`counterexample.ts`).
 */
export class SearchTree {
  protected parents: Int32Array;
  protected steps: Uint16Array;
  size = 0;

  constructor(capacity = 1 << 16) {
    this.parents = new Int32Array(capacity);
    this.steps = new Uint16Array(capacity);
  }

  /** Adds a node; the root has parent -1. Returns its index. */
  add(parent: number, step: number): number {
    if (this.size === this.parents.length) {
      const parents = new Int32Array(this.size * 2);
      parents.set(this.parents);
      const steps = new Uint16Array(this.size * 2);
      steps.set(this.steps);
      this.parents = parents;
      this.steps = steps;
    }
    this.parents[this.size] = parent;
    this.steps[this.size] = step;
    return this.size++;
  }

  /** The step indices from the root down to `node`. */
  path(node: number): number[] {
    const indices: number[] = [];
    for (let at = node; this.parents[at]! >= 0; at = this.parents[at]!) {
      indices.push(this.steps[at]!);
    }
    return indices.reverse();
  }

  get bytes(): number {
    return this.parents.byteLength + this.steps.byteLength;
  }
}
