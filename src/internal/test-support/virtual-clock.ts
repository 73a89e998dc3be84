import { abortReason, type Clock } from '../clock.js';

interface Sleeper {
  wakeAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A clock for tests. Time moves only when `advance()` is called, or, in `auto` mode, jumps to the
 * next sleeper's wake time as soon as everyone is waiting, so a chain of backoff sleeps completes
 * instantly while every scheduled delay is recorded in `sleeps`.
 */
export class VirtualClock implements Clock {
  readonly sleeps: number[] = [];
  private time: number;
  private readonly sleepers: Sleeper[] = [];
  private readonly auto: boolean;

  constructor(options: { start?: number; auto?: boolean } = {}) {
    this.time = options.start ?? 1_700_000_000_000;
    this.auto = options.auto ?? true;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const sleeper: Sleeper = {
        wakeAt: this.time + Math.max(0, ms),
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.remove(sleeper);
          reject(abortReason(signal as AbortSignal));
        },
      };
      signal?.addEventListener('abort', sleeper.onAbort, { once: true });
      this.sleepers.push(sleeper);
      if (this.auto) queueMicrotask(() => this.runNext());
    });
  }

  /** Moves time forward by `ms`, waking every sleeper whose time has come, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.wakeAt > target) break;
      this.time = next.wakeAt;
      this.wake(next);
      await flushMicrotasks();
    }
    this.time = target;
  }

  /** How many sleeps are pending. */
  get pending(): number {
    return this.sleepers.length;
  }

  private runNext(): void {
    const next = this.earliest();
    if (!next) return;
    this.time = Math.max(this.time, next.wakeAt);
    this.wake(next);
  }

  private earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) if (!best || s.wakeAt < best.wakeAt) best = s;
    return best;
  }

  private wake(sleeper: Sleeper): void {
    this.remove(sleeper);
    sleeper.signal?.removeEventListener('abort', sleeper.onAbort);
    sleeper.resolve();
  }

  private remove(sleeper: Sleeper): void {
    const i = this.sleepers.indexOf(sleeper);
    if (i >= 0) this.sleepers.splice(i, 1);
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A deterministic `random` that returns the given values in turn, repeating the last. */
export function sequenceRandom(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}
