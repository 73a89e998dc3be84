/** A queue that turns pushed events into an async iterator, ending with the stream or its error. */
export class EventQueue<T> implements AsyncIterator<T> {
  private readonly items: T[] = [];
  private waiter:
    | { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }
    | undefined;
  private ended: { error: unknown } | undefined;
  private failed = false;

  constructor(private readonly onReturn: () => void) {}

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** No more items; `error` (if any) is thrown once the queued items are read. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = { error };
    this.failed = error !== undefined;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) this.settleEnd(waiter);
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    return new Promise((resolve, reject) => {
      if (this.ended) this.settleEnd({ resolve, reject });
      else this.waiter = { resolve, reject };
    });
  }

  /** The consumer stopped early (`break`): there is no one left to stream for. */
  return(): Promise<IteratorResult<T>> {
    if (!this.ended) this.onReturn();
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  private settleEnd(waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }): void {
    if (this.failed) {
      // The error is thrown once; after it the iterator is simply done.
      this.failed = false;
      waiter.reject(this.ended?.error);
    } else waiter.resolve({ value: undefined, done: true });
  }
}
