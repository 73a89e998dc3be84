/**
 * Learning from one answer's rate-limit headers. A reading gives a band [lo, hi] for what the
 * server will hold once our pending requests have landed; our own running figure (exact for our
 * own traffic) is kept when it lies inside the band and moved to its edge when it does not: the
 * server's word beats the estimate, but only by as much as the reading proves.
 */
import { type BucketState, surelyHeld } from './bucket.js';
import type { Dimension, LimitReading } from './headers.js';
import type { Unaccounted } from './ledger.js';

export interface ReadingContext {
  readonly now: number;
  /** When the request that carried the reading was sent. */
  readonly sentAt: number;
  /** What the server charged that request on admission, in this dimension (0 when refused). */
  readonly admissionCharge: number;
  /** What the server gave back when that request ended, after the reading was taken (unused max_tokens). */
  readonly laterRefund: number;
  /** Our requests the reading may not show yet (see ledger.ts). */
  readonly unaccounted: Unaccounted;
  /** Charges of requests still in flight that may not have landed (the bucket's `pending`). */
  readonly pending: number;
  /** For a 429 refused in this dimension alone: the server's retry-after and what the request needed. */
  readonly refusal?: { retryAfterMs: number; need: number } | undefined;
}

/**
 * `remaining` as an interval: the server floors it, and for tokens may round it to the nearest
 * thousand (then it reads as a multiple of 1000, and the truth is within 500 of it).
 */
export function remainingBounds(dimension: Dimension, remaining: number): { low: number; high: number } {
  const rounded = dimension !== 'requests' && remaining > 0 && remaining % 1000 === 0;
  return rounded ? { low: remaining - 500, high: remaining + 500 } : { low: remaining, high: remaining + 1 };
}

/** Creates or updates a learned bucket from a reading; returns the bucket to store. */
export function applyReading(
  dimension: Dimension,
  bucket: BucketState | undefined,
  reading: LimitReading,
  ctx: ReadingContext,
): BucketState {
  const { now, sentAt, unaccounted, pending } = ctx;
  let known = bucket;
  if (known && known.limit !== reading.limit) {
    // A new limit (another tier): what we proved about the old bucket's size no longer holds.
    known = { ...known, limit: reading.limit, capLow: 0, capHigh: Number.POSITIVE_INFINITY };
  }
  const rate = reading.limit / 60_000;
  const { low, high } = remainingBounds(dimension, reading.remaining);

  let capLow = known?.capLow ?? 0;
  let capHigh = known?.capHigh ?? Number.POSITIVE_INFINITY;
  // Before this request was charged the bucket held remaining + its charge, so C is at least that.
  // (At 0 the server may be in debt after a request bigger than the bucket: no proof then.)
  if (reading.remaining > 0) capLow = Math.max(capLow, low + ctx.admissionCharge);
  if (reading.resetAt !== undefined) {
    // Full again at reset (rounded up to the second), refilling from a reading taken after we sent.
    capHigh = Math.min(capHigh, high + rate * Math.max(0, reading.resetAt - sentAt));
  }
  if (capHigh < capLow) capHigh = capLow; // the clocks disagree: trust what `remaining` proved

  const lo =
    reading.remaining > 0 ? low - unaccounted.possiblyAfter + ctx.laterRefund : Number.NEGATIVE_INFINITY;
  // Above the band we come down to what the server said (not to the top of its rounding: the
  // figure was wrong already, so no benefit of the doubt), plus the refill since we sent.
  let hi = reading.remaining + rate * Math.max(0, now - sentAt) - unaccounted.after + ctx.laterRefund;
  if (ctx.refusal && ctx.refusal.retryAfterMs >= 1000) {
    // retry-after is rounded up to whole seconds: the request still lacked rate * (retry-after - 1 s).
    const lacked = rate * (ctx.refusal.retryAfterMs - 1000);
    hi = Math.min(hi, ctx.refusal.need - lacked + rate * Math.max(0, now - sentAt) - unaccounted.after);
  }
  const current = known
    ? surelyHeld(known, pending, now)
    : Number.isFinite(lo)
      ? lo
      : Math.min(hi, -unaccounted.possiblyAfter);
  const settled = Math.min(Math.max(current, lo), hi);
  return { limit: reading.limit, level: settled + pending, updatedAt: now, capLow, capHigh };
}
