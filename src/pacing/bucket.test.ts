import { describe, expect, it } from 'vitest';
import {
  type BucketState,
  chargeStated,
  credit,
  fold,
  rawLevel,
  statedBucket,
  statedWaitMs,
  surelyHeld,
  waitMs,
} from './bucket.js';

const T0 = 1_700_000_000_000;

/** 2400 per minute: 0.04 per ms, a bucket of 40. */
function bucket(level: number, extra: Partial<BucketState> = {}): BucketState {
  return { limit: 2400, level, updatedAt: T0, capLow: 40, capHigh: 40, ...extra };
}

describe('learned bucket arithmetic', () => {
  it('refills continuously at limit / 60 per second, uncapped until something lands', () => {
    const b = bucket(-2);
    expect(rawLevel(b, T0 + 25)).toBe(-1);
    expect(rawLevel(b, T0 + 5000)).toBe(198);
    // What the server surely holds is capped at the proven capacity, and pending charges come off.
    expect(surelyHeld(b, 3, T0 + 5000)).toBe(37);
  });

  it('waits exactly until cost + pending fit, rounding up to the millisecond', () => {
    expect(waitMs(bucket(1), 1, 0, T0)).toBe(0);
    expect(waitMs(bucket(0), 1, 0, T0)).toBe(25);
    expect(waitMs(bucket(0.001), 1, 0, T0)).toBe(25); // 24.975 ms, rounded up
    expect(waitMs(bucket(0.5), 1, 2, T0)).toBe(63); // 2.5 missing at 0.04 per ms
    expect(waitMs(bucket(10), 1, 4, T0)).toBe(0);
  });

  it('lets a request bigger than the proven capacity go alone once the bucket is surely full', () => {
    const b = bucket(0, { capLow: 30, capHigh: 50 });
    expect(waitMs(b, 45, 0, T0)).toBe(1125); // until the level reaches 45 (<= capHigh)
    expect(waitMs(b, 100, 0, T0)).toBe(1250); // a debt-maker needs the bucket full: capHigh
    // With requests in flight it cannot be judged: only answers coming back make room.
    expect(waitMs(b, 45, 1, T0)).toBeUndefined();
    expect(waitMs(b, 25, 6, T0)).toBeUndefined();
  });

  it('folds a landed charge after capping, and credits refunds without a cap', () => {
    const b = bucket(100);
    fold(b, 5, T0 + 10);
    expect(b).toMatchObject({ level: 35, updatedAt: T0 + 10 });
    credit(b, 30, T0 + 20);
    expect(b.level).toBeCloseTo(65.4, 9);
    credit(b, -70, T0 + 20);
    expect(b.level).toBeCloseTo(-4.6, 9);
  });
});

describe('stated bucket arithmetic', () => {
  it('holds one second of the limit (at least 1), starts full and is charged on send', () => {
    expect(statedBucket(6000, T0)).toEqual({
      limit: 6000,
      level: 100,
      updatedAt: T0,
      capLow: 100,
      capHigh: 100,
    });
    expect(statedBucket(30, T0).capLow).toBe(1);
    const b = statedBucket(600, T0); // 10 per second
    expect(statedWaitMs(b, 10, T0)).toBe(0);
    chargeStated(b, 10, T0);
    expect(statedWaitMs(b, 1, T0)).toBe(100);
    // A cost above the capacity needs the bucket full, no more.
    expect(statedWaitMs(b, 50, T0)).toBe(1000);
    expect(statedWaitMs(b, 50, T0 + 60_000)).toBe(0);
  });
});
