/**
 * Token-bucket arithmetic, on plain data (so a shared store can hold it and run the same steps
 * atomically).
 *
 * A LEARNED bucket is our picture of a server-side bucket. The server charges a request when it
 * ARRIVES, which may be a while after we send it; meanwhile a full server bucket wastes its refill.
 * So `level` is kept "before the charges still pending" (requests in flight that may not have
 * arrived yet): the server surely holds at least
 *
 *   min(C, level + rate * (now - updatedAt)) - pending          for any capacity C >= capLow
 *
 * and charges are folded into `level` once they have surely landed. The burst capacity C is only
 * known within [capLow, capHigh].
 *
 * A STATED bucket enforces a limit the user gave: charged when we send, capacity one second's worth.
 */

export interface BucketState {
  /** Per-minute limit: the bucket refills at limit / 60 per second. */
  limit: number;
  /** Level at `updatedAt` before the pending charges, uncapped (negative: a debt being repaid). */
  level: number;
  updatedAt: number;
  /** Proven lower bound of the burst capacity. */
  capLow: number;
  /** Upper bound of the burst capacity; Infinity until a reset time bounds it. */
  capHigh: number;
}

/** Floating-point dust from fractional refills must not make a request that fits wait a millisecond. */
const TOLERANCE = 1e-9;

/** The uncapped level now: `level` plus the refill since `updatedAt`. */
export function rawLevel(bucket: BucketState, now: number): number {
  // Multiply before dividing so whole-second steps of round limits stay exact.
  return bucket.level + (bucket.limit * Math.max(0, now - bucket.updatedAt)) / 60_000;
}

/** What the server surely holds now, given the charges still pending. */
export function surelyHeld(bucket: BucketState, pending: number, now: number): number {
  return Math.min(bucket.capLow, rawLevel(bucket, now)) - pending;
}

function msFor(bucket: BucketState, missing: number): number {
  return missing <= TOLERANCE ? 0 : Math.ceil((missing * 60_000) / bucket.limit);
}

/**
 * Milliseconds until the server surely admits `cost` on top of `pending` (0: now), or undefined
 * when only pending charges landing (answers coming back) can make room. The server admits when it
 * holds min(cost, C):
 * - if cost + pending fits within capLow, wait until the level holds both;
 * - a request bigger than the proven capacity goes alone, once the bucket is surely full (capHigh).
 */
export function waitMs(bucket: BucketState, cost: number, pending: number, now: number): number | undefined {
  const level = rawLevel(bucket, now);
  if (cost + pending <= bucket.capLow) return msFor(bucket, cost + pending - level);
  if (pending <= 0) return msFor(bucket, Math.min(cost, bucket.capHigh) - level);
  return undefined;
}

/** A charge that has surely landed at the server by now (taken after capping: the conservative order). */
export function fold(bucket: BucketState, amount: number, now: number): void {
  bucket.level = Math.min(bucket.capLow, rawLevel(bucket, now)) - amount;
  bucket.updatedAt = now;
}

/** Gives back `amount` (negative: charges more, when an estimate was low). */
export function credit(bucket: BucketState, amount: number, now: number): void {
  bucket.level = rawLevel(bucket, now) + amount;
  bucket.updatedAt = now;
}

/** A bucket for a limit the user stated: assumed enforced over 1 s windows, starting full. */
export function statedBucket(perMinute: number, now: number): BucketState {
  const capacity = Math.max(1, perMinute / 60);
  return { limit: perMinute, level: capacity, updatedAt: now, capLow: capacity, capHigh: capacity };
}

/** Milliseconds until a stated bucket holds `cost` (a cost above its capacity needs it full). */
export function statedWaitMs(bucket: BucketState, cost: number, now: number): number {
  const held = Math.min(bucket.capLow, rawLevel(bucket, now));
  return msFor(bucket, Math.min(cost, bucket.capLow) - held);
}

/** Charges a stated bucket when the request is sent. */
export function chargeStated(bucket: BucketState, cost: number, now: number): void {
  fold(bucket, cost, now);
}
