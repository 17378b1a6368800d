/**
 * A binary min-heap of numbers: push and pop in O(log n). Used where "the smallest ready item
 * first" must hold without re-sorting an array after every push (which made large task graphs
 * quadratic). Callers map their items to ranks (a topological index, a position in name order),
 * so comparisons are of small integers, not strings or map look-ups.
 */
export class MinHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: number): void {
    const items = this.#items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent]!;
      if (above <= item) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  }

  /** The smallest item, removed; undefined when empty. */
  pop(): number | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    const n = items.length;
    if (n === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && items[right]! < items[left]! ? right : left;
      if (items[child]! >= last) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
