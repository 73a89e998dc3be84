/**
 * One continuously refilled token bucket for a per-minute limit L enforced over a short window W:
 *
 *   capacity C = max(1, L / 60 * W)   refill rate = L / 60 per second   starts full
 *
 * A request of cost k is admitted when the level holds min(k, C): a request larger than the
 * whole bucket is admitted only when the bucket is full and drives the level negative (a debt the
 * refill pays back), so no request can wait forever and the long-run rate still never exceeds L.
 * Time is passed in (epoch ms) so callers decide which clock rules.
 */
export class TokenBucket {
  readonly capacity: number;
  private level: number;
  private updatedAt: number;

  constructor(
    readonly limitPerMinute: number,
    burstWindowSeconds: number,
    now: number,
  ) {
    this.capacity = Math.max(1, (limitPerMinute * burstWindowSeconds) / 60);
    this.level = this.capacity;
    this.updatedAt = now;
  }

  /** The level at `now`, after refilling; negative while a large request's debt is being repaid. */
  available(now: number): number {
    this.refill(now);
    return this.level;
  }

  /** Milliseconds until a request of `cost` fits (0 when it fits now). */
  waitMs(cost: number, now: number): number {
    const missing = this.need(cost) - this.available(now);
    // The tolerance absorbs floating-point dust from fractional refills.
    if (missing <= 1e-9) return 0;
    return (missing * 60_000) / this.limitPerMinute;
  }

  /** Charges `cost` (the caller checked `waitMs` first). */
  take(cost: number, now: number): void {
    this.refill(now);
    this.level -= cost;
  }

  /** Gives back unused tokens (the bucket never exceeds its capacity). */
  refund(amount: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level + Math.max(0, amount));
  }

  /** When the bucket will be full again, in epoch ms (`now` when it already is). */
  fullAt(now: number): number {
    const missing = this.capacity - this.available(now);
    return missing <= 1e-9 ? now : now + (missing * 60_000) / this.limitPerMinute;
  }

  private need(cost: number): number {
    return Math.min(cost, this.capacity);
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      // Multiply before dividing so whole-second steps of round limits stay exact.
      this.level = Math.min(this.capacity, this.level + (this.limitPerMinute * elapsed) / 60_000);
    }
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}
