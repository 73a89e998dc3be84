import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

const T0 = 1_700_000_000_000;

describe('TokenBucket', () => {
  it('holds limit/60 * window, at least 1, and starts full', () => {
    expect(new TokenBucket(60, 1, T0).capacity).toBe(1);
    expect(new TokenBucket(6, 1, T0).capacity).toBe(1);
    expect(new TokenBucket(600, 1, T0).capacity).toBe(10);
    expect(new TokenBucket(600, 60, T0).capacity).toBe(600);
    expect(new TokenBucket(600, 1, T0).available(T0)).toBe(10);
  });

  it('refills continuously at limit/60 per second, up to its capacity', () => {
    const bucket = new TokenBucket(600, 1, T0);
    bucket.take(10, T0);
    expect(bucket.available(T0)).toBe(0);
    expect(bucket.available(T0 + 100)).toBe(1);
    expect(bucket.available(T0 + 550)).toBe(5.5);
    expect(bucket.available(T0 + 5_000)).toBe(10);
  });

  it('says how long until a cost fits', () => {
    const bucket = new TokenBucket(60, 1, T0);
    expect(bucket.waitMs(1, T0)).toBe(0);
    bucket.take(1, T0);
    expect(bucket.waitMs(1, T0)).toBe(1000);
    expect(bucket.waitMs(1, T0 + 400)).toBe(600);
    expect(bucket.waitMs(1, T0 + 1000)).toBe(0);
  });

  it('admits a cost above capacity only when full, then runs a debt', () => {
    const bucket = new TokenBucket(600, 1, T0); // capacity 10, 10 per second
    bucket.take(3, T0);
    expect(bucket.waitMs(25, T0)).toBe(300); // needs a full bucket, 3 short
    expect(bucket.waitMs(25, T0 + 300)).toBe(0);
    bucket.take(25, T0 + 300);
    expect(bucket.available(T0 + 300)).toBe(-15);
    expect(bucket.waitMs(1, T0 + 300)).toBe(1600);
    expect(bucket.fullAt(T0 + 300)).toBe(T0 + 300 + 2500);
  });

  it('refunds without exceeding capacity', () => {
    const bucket = new TokenBucket(6000, 1, T0); // capacity 100
    bucket.take(100, T0);
    bucket.refund(40, T0);
    expect(bucket.available(T0)).toBe(40);
    bucket.refund(500, T0);
    expect(bucket.available(T0)).toBe(100);
    bucket.refund(-5, T0);
    expect(bucket.available(T0)).toBe(100);
  });

  it('reports when it is full again', () => {
    const bucket = new TokenBucket(60, 10, T0); // capacity 10, 1 per second
    expect(bucket.fullAt(T0)).toBe(T0);
    bucket.take(4, T0);
    expect(bucket.fullAt(T0)).toBe(T0 + 4000);
    expect(bucket.fullAt(T0 + 1000)).toBe(T0 + 4000);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket(60, 10, T0);
    bucket.take(4, T0 + 1000);
    expect(bucket.available(T0)).toBe(6);
    expect(bucket.available(T0 + 2000)).toBe(7);
  });
});
