/**
 * Hands input items to the workers one at a time, reading only as fast as they take them (so the
 * input is never read ahead: backpressure). A stop wakes every waiting worker with `undefined`.
 */
export class ItemFeed<T> {
  private stopped = false;
  // Waiting workers, woken on a stop. Not a Promise.race against one long-pending "stopped"
  // promise: each race would leave a reaction on it holding that item until the end of the run,
  // so memory would grow with the input.
  private readonly waiting = new Set<() => void>();

  constructor(private readonly source: AsyncIterator<T>) {}

  /** The next item, or undefined when the input is done or the feed was stopped. */
  take(): Promise<T | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const wake = () => resolve(undefined);
      this.waiting.add(wake);
      this.source.next().then(
        (next) => {
          this.waiting.delete(wake);
          resolve(next.done || this.stopped ? undefined : next.value);
        },
        (error: unknown) => {
          this.waiting.delete(wake);
          // After a stop, a read cut short by closing the input is expected, not a failure.
          if (this.stopped) resolve(undefined);
          else reject(error);
        },
      );
    });
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.waiting) wake();
    this.waiting.clear();
  }
}
