import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../internal/test-support/virtual-clock.js';
import type { RequestCost } from './estimate.js';
import type { RateLimitSnapshot } from './headers.js';
import { MemoryPacingStore } from './memory-store.js';
import { DEFAULT_OVERLOAD_POLICY, type OutcomeKind } from './overload.js';
import type { StatedLimits, StorePolicy, Ticket } from './store.js';

const T0 = 1_700_000_000_000;
const ONE: RequestCost = { requests: 1, inputTokens: 10, outputTokens: 1000 };

function setup(limits: StatedLimits = {}) {
  const clock = new VirtualClock({ start: T0, auto: false });
  const store = new MemoryPacingStore({ clock });
  const policy: StorePolicy = { limits, overload: DEFAULT_OVERLOAD_POLICY };
  const take = async (cost = ONE) => store.take('m', cost, policy);
  const granted = async (cost = ONE): Promise<Ticket> => {
    const result = await take(cost);
    if (!result.granted)
      throw new Error(`expected a grant, got a ${result.waitMs} ms wait for ${result.reason}`);
    return result.ticket;
  };
  const settle = (
    ticket: Ticket,
    outcome: OutcomeKind,
    readings: RateLimitSnapshot = {},
    extra: {
      charged?: { inputTokens: number; outputTokens: number };
      retryAfterMs?: number;
      cost?: RequestCost;
    } = {},
  ) => store.settle('m', { ticket, cost: extra.cost ?? ONE, outcome, readings, ...extra }, policy);
  return { clock, store, take, granted, settle };
}

/** Headers of a server allowing 600 requests per minute: 10 per second, a bucket of 10. */
const requests = (remaining: number, resetAt?: number): RateLimitSnapshot => ({
  requests: { limit: 600, remaining, resetAt },
});

describe('MemoryPacingStore', () => {
  it('lets everything through until headers arrive, then paces by what they said', async () => {
    const { take, granted, settle, clock } = setup();
    const first = await granted();
    expect(first).toEqual({ seq: 1, sentAt: T0 });
    await clock.advance(20);
    const result = await settle(first, 'success', requests(9, T0 + 1000));
    expect(result).toEqual({ learned: true, unexplained429: false, change: undefined });
    for (let i = 0; i < 9; i++) await granted();
    // The bucket of 10 is spent: the next waits for one request's refill.
    expect(await take()).toMatchObject({ granted: false, reason: 'requests', waitMs: 100, limit: 600 });
  });

  it('does not count on refill a full bucket wasted while requests were still on their way', async () => {
    const { store, take, granted, settle, clock } = setup();
    await settle(await granted(), 'success', requests(9, T0 + 1000));
    await clock.advance(1000); // full again
    const tickets = [];
    for (let i = 0; i < 10; i++) tickets.push(await granted());
    await clock.advance(300);
    // Had the ten landed at once, 3 requests would have refilled by now; if they arrived just now,
    // the server's bucket sat full meanwhile and holds nothing. Only answers (or one bucket-length,
    // after which they surely arrived) tell.
    expect(await take()).toMatchObject({ granted: false, reason: 'requests', waitMs: 700 });
    await clock.advance(699);
    expect(await take()).toMatchObject({ granted: false, waitMs: 1 });
    await clock.advance(1);
    // Unanswered for a whole bucket-length, they surely arrived: the refill since then counts.
    expect(await take()).toMatchObject({ granted: false, waitMs: 100 });
    for (const ticket of tickets) await settle(ticket, 'success');
    expect(store.inspect('m')?.learned.requests?.level).toBeCloseTo(0, 9);
    expect(await take()).toMatchObject({ granted: false, waitMs: 100 });
    await clock.advance(100);
    expect(await take()).toMatchObject({ granted: true });
  });

  it('refunds the unused max_tokens from usage, and corrects the input estimate', async () => {
    const { store, granted, settle, clock } = setup();
    const readings: RateLimitSnapshot = {
      'input-tokens': { limit: 60_000, remaining: 990, resetAt: undefined },
      'output-tokens': { limit: 120_000, remaining: 1500, resetAt: undefined },
    };
    await settle(await granted(), 'success', readings, { charged: { inputTokens: 10, outputTokens: 1000 } });
    const before = store.inspect('m')?.learned;
    expect([before?.['input-tokens']?.level, before?.['output-tokens']?.level]).toEqual([990, 1500]);
    const ticket = await granted();
    await clock.advance(1);
    await settle(ticket, 'success', {}, { charged: { inputTokens: 14, outputTokens: 40 } });
    const after = store.inspect('m')?.learned;
    // Input: 990 + 1 ms of refill - 14 actually charged. Output: 1500 + 2 - 40.
    expect(after?.['input-tokens']?.level).toBeCloseTo(977, 9);
    expect(after?.['output-tokens']?.level).toBeCloseTo(1462, 9);
  });

  it('gives back the whole reservation for an error answer, keeps it for a dropped connection', async () => {
    const { store, granted, settle } = setup();
    await settle(await granted(), 'success', requests(5));
    await settle(await granted(), 'server_error');
    expect(store.inspect('m')?.learned.requests?.level).toBe(5);
    await settle(await granted(), 'connection');
    expect(store.inspect('m')?.learned.requests?.level).toBe(4);
  });

  it('keeps what a stream broken after the 200 was billed for', async () => {
    const { store, granted, settle } = setup();
    const readings: RateLimitSnapshot = {
      'output-tokens': { limit: 120_000, remaining: 1500, resetAt: undefined },
    };
    await settle(await granted(), 'success', readings, { charged: { inputTokens: 10, outputTokens: 1000 } });
    await settle(await granted(), 'overloaded', {}, { charged: { inputTokens: 10, outputTokens: 30 } });
    expect(store.inspect('m')?.learned['output-tokens']?.level).toBe(1470);
  });

  it('after a 429 the headers explain, learns from them; after one they do not, holds everyone for retry-after', async () => {
    const { take, granted, settle, clock } = setup();
    await settle(await granted(), 'success', requests(3));
    const refused = await settle(await granted(), 'rate_limited', requests(0), { retryAfterMs: 1000 });
    expect(refused.unexplained429).toBe(false);
    expect(await take()).toMatchObject({ granted: false, reason: 'requests', waitMs: 100 });
    await clock.advance(100);
    const puzzling = await settle(await granted(), 'rate_limited', requests(9), { retryAfterMs: 2000 });
    expect(puzzling.unexplained429).toBe(true);
    expect(await take()).toMatchObject({ granted: false, reason: 'retry-after', waitMs: 2000 });
  });

  it('applies stated limits from the first request, charged when sent', async () => {
    const { take, granted } = setup({ rpm: 120 }); // 2 per second, a bucket of 2
    await granted();
    expect(await take()).toMatchObject({ granted: true, learned: true });
    expect(await take()).toMatchObject({ granted: false, reason: 'rpm', waitMs: 500, limit: 120 });
  });

  it('holds everyone after a 529 and lets one probe through at a time', async () => {
    const { take, granted, settle, clock } = setup();
    const a = await granted();
    const b = await granted();
    const change = await settle(a, 'overloaded');
    expect(change.change?.state).toBe('overloaded');
    expect(await take()).toMatchObject({ granted: false, reason: 'overloaded', waitMs: 250 });
    await settle(b, 'overloaded'); // sent before: changes nothing
    await clock.advance(250);
    const probe = await take();
    expect(probe).toMatchObject({ granted: true, probe: true });
    expect(await take()).toMatchObject({ granted: false, reason: 'overloaded' });
    if (!probe.granted) throw new Error('unreachable');
    expect((await settle(probe.ticket, 'success')).change?.state).toBe('recovered');
    expect(await take()).toMatchObject({ granted: true, probe: false });
  });

  it('keeps models apart', async () => {
    const { store, granted, settle } = setup();
    await settle(await granted(), 'success', requests(0));
    const other = await store.take('other', ONE, { limits: {}, overload: DEFAULT_OVERLOAD_POLICY });
    expect(other).toMatchObject({ granted: true, learned: false });
  });
});
