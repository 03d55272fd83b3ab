export interface HeapEntry {
  /** Epoch ms at which the timer falls due. */
  at: number;
  caseId: string;
  /** Generation: an entry older than the case's armed generation is stale and skipped. */
  gen: number;
}

/** A binary min-heap on `at`: one entry per armed case, O(log n) push and pop. */
export class TimerHeap {
  private items: HeapEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): HeapEntry | undefined {
    return this.items[0];
  }

  push(e: HeapEntry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= e.at) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = e;
  }

  pop(): HeapEntry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Replaces the contents (drops stale entries) in O(n). */
  rebuild(entries: HeapEntry[]): void {
    this.items = entries;
    for (let i = (entries.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private down(i: number): void {
    const a = this.items;
    const n = a.length;
    const e = a[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && a[r]!.at < a[l]!.at ? r : l;
      if (a[c]!.at >= e.at) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = e;
  }
}
