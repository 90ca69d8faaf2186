/**
 * A worker's part of the BFS tree: like `SearchTree` (parent and step index per node, 6 bytes),
 * plus the states other workers handed over to balance the load. Such a state arrives with its
 * whole path of step indices from the initial world (the receiver rebuilt its world by
 * replaying them), and its node points at that path instead of a parent: a counterexample
 * through it is the path, then the indices below it.
 */
import { SearchTree } from '../search-tree.ts';

export class ShardTree extends SearchTree {
  /** Paths of handed-over states; node parent -2 - k means `received[k]`. */
  private readonly received: (readonly number[])[] = [];

  constructor() {
    super(1 << 12);
  }

  /** Adds a handed-over state reached by `path` from the root. Returns its node. */
  addReceived(path: readonly number[]): number {
    this.received.push(path);
    return this.add(-1 - this.received.length, 0);
  }

  /** The step indices from the root down to `node`. */
  override path(node: number): number[] {
    const indices: number[] = [];
    let at = node;
    for (; this.parents[at]! >= 0; at = this.parents[at]!) indices.push(this.steps[at]!);
    indices.reverse();
    const parent = this.parents[at]!;
    return parent === -1 ? indices : [...this.received[-2 - parent]!, ...indices];
  }
}
