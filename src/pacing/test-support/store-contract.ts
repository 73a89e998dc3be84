/**
 * The PacingStore contract: ONE suite, run against every store (memory-store.contract.test.ts,
 * test/redis-store.contract.test.ts). A store's clock may be frozen (a VirtualClock: every wait is
 * checked exactly) or move by itself (Redis uses its server's clock: a wait is checked to within the
 * time the test itself took, `driftMs`). Time is moved forward with `advance`, never by sleeping.
 */
import { describe, expect, it } from 'vitest';
import type { RequestCost } from '../estimate.js';
import type { RateLimitSnapshot } from '../headers.js';
import { READING_HORIZON_MS } from '../ledger.js';
import type { OutcomeKind } from '../overload.js';
import { DEFAULT_OVERLOAD_POLICY } from '../overload.js';
import type { PacingStore, StatedLimits, StorePolicy, TakeResult, Ticket, WaitReason } from '../store.js';

export interface StoreHarness {
  readonly store: PacingStore;
  /** The store's clock now (to write readings with reset times). */
  now(): number;
  /** Moves the store's clock forward by `ms`. */
  advance(ms: number): Promise<void>;
  /** How far the store's clock may move by itself during one test: 0 for a frozen clock. */
  readonly driftMs: number;
  /** Removes what the test left (keys in Redis) and closes connections. */
  dispose(): Promise<void>;
}

const ONE: RequestCost = { requests: 1, inputTokens: 10, outputTokens: 100 };

function policy(limits: StatedLimits = {}): StorePolicy {
  return { limits, overload: DEFAULT_OVERLOAD_POLICY };
}

function granted(result: TakeResult): Ticket {
  if (!result.granted)
    throw new Error(`expected the request to be let through, it must wait: ${JSON.stringify(result)}`);
  return result.ticket;
}

export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`PacingStore contract: ${name}`, () => {
    /** Runs `body` with a fresh harness and disposes of it whatever happens. */
    const withStore = (body: (h: StoreHarness) => Promise<void>) => async () => {
      const harness = await makeHarness();
      try {
        await body(harness);
      } finally {
        await harness.dispose();
      }
    };

    /** A denial for `reason` with a wait of `ms`, exactly when the clock is frozen. */
    const expectWait = (h: StoreHarness, result: TakeResult, reason: WaitReason, ms: number) => {
      expect(result.granted).toBe(false);
      if (result.granted) return;
      expect(result.reason).toBe(reason);
      expect(result.waitMs).toBeLessThanOrEqual(ms);
      expect(result.waitMs).toBeGreaterThanOrEqual(ms - h.driftMs);
    };

    const settle = (h: StoreHarness, model: string, ticket: Ticket, outcome: OutcomeKind, more = {}) =>
      h.store.settle(model, { ticket, cost: ONE, outcome, readings: {}, ...more }, policy());

    it(
      'lets requests through and numbers the tickets in order when no limit is known',
      withStore(async (h) => {
        const results = [];
        for (let i = 0; i < 3; i++) results.push(await h.store.take('m', ONE, policy()));
        expect(results.map((r) => r.granted && r.ticket.seq)).toEqual([1, 2, 3]);
        expect(results.map((r) => r.granted && [r.probe, r.learned])).toEqual([
          [false, false],
          [false, false],
          [false, false],
        ]);
        const sentAt = results.map((r) => granted(r).sentAt);
        expect(sentAt[2]).toBeGreaterThanOrEqual(sentAt[0] as number);
        expect(Math.abs((sentAt[0] as number) - h.now())).toBeLessThanOrEqual(h.driftMs);
      }),
    );

    it(
      'holds a stated requests limit and lets the next request through once it refilled',
      withStore(async (h) => {
        const limits = { rpm: 120 }; // a bucket of 2, one more every 500 ms
        granted(await h.store.take('m', ONE, policy(limits)));
        granted(await h.store.take('m', ONE, policy(limits)));
        const third = await h.store.take('m', ONE, policy(limits));
        expectWait(h, third, 'rpm', 500);
        expect(third.granted === false && [third.limit, third.learned]).toEqual([120, true]);
        await h.advance(500);
        granted(await h.store.take('m', ONE, policy(limits)));
      }),
    );

    it(
      'applies a changed stated limit at the next step',
      withStore(async (h) => {
        granted(await h.store.take('m', ONE, policy({ rpm: 60 })));
        expectWait(h, await h.store.take('m', ONE, policy({ rpm: 60 })), 'rpm', 1000);
        granted(await h.store.take('m', ONE, policy({ rpm: 6000 })));
        granted(await h.store.take('m', ONE, policy({})));
      }),
    );

    it(
      'gives back a reservation that was never sent, and keeps one whose fate is unknown',
      withStore(async (h) => {
        const limits = { rpm: 60 };
        const first = granted(await h.store.take('m', ONE, policy(limits)));
        await h.store.settle(
          'm',
          { ticket: first, cost: ONE, outcome: 'unsent', readings: {} },
          policy(limits),
        );
        const second = granted(await h.store.take('m', ONE, policy(limits)));
        await h.store.settle(
          'm',
          { ticket: second, cost: ONE, outcome: 'connection', readings: {} },
          policy(limits),
        );
        expectWait(h, await h.store.take('m', ONE, policy(limits)), 'rpm', 1000);
      }),
    );

    it(
      "learns the server's limit from an answer's headers and paces by it",
      withStore(async (h) => {
        const ticket = granted(await h.store.take('m', ONE, policy()));
        const readings: RateLimitSnapshot = {
          requests: { limit: 60, remaining: 0, resetAt: h.now() + 1000 },
        };
        const result = await settle(h, 'm', ticket, 'success', { readings });
        expect(result).toEqual({ learned: true, unexplained429: false, change: undefined });
        const next = await h.store.take('m', ONE, policy());
        // Nothing left, one request a second: a whole second to wait.
        expectWait(h, next, 'requests', 1000);
        expect(next.granted === false && [next.limit, next.learned]).toEqual([60, true]);
        await h.advance(1000);
        granted(await h.store.take('m', ONE, policy()));
      }),
    );

    it(
      'learns nothing from the headers of an answer that took longer than the reading horizon',
      withStore(async (h) => {
        const ticket = granted(await h.store.take('m', ONE, policy()));
        await h.advance(READING_HORIZON_MS + 1);
        const readings: RateLimitSnapshot = { requests: { limit: 60, remaining: 0, resetAt: undefined } };
        const result = await settle(h, 'm', ticket, 'success', { readings });
        expect(result.learned).toBe(false);
        granted(await h.store.take('m', ONE, policy()));
      }),
    );

    it(
      'holds everyone for the retry-after of a 429 the headers do not explain',
      withStore(async (h) => {
        const ticket = granted(await h.store.take('m', ONE, policy()));
        const result = await settle(h, 'm', ticket, 'rate_limited', { retryAfterMs: 2000 });
        expect(result).toEqual({ learned: false, unexplained429: true, change: undefined });
        expectWait(h, await h.store.take('m', ONE, policy()), 'retry-after', 2000);
        await h.advance(2000);
        granted(await h.store.take('m', ONE, policy()));
      }),
    );

    it(
      'holds everyone behind one probe after a 529, and lets all through once the probe succeeds',
      withStore(async (h) => {
        const ticket = granted(await h.store.take('m', ONE, policy()));
        const overloaded = await settle(h, 'm', ticket, 'overloaded');
        expect(overloaded.change?.state).toBe('overloaded');
        expectWait(h, await h.store.take('m', ONE, policy()), 'overloaded', 250);
        await h.advance(250);
        const probe = await h.store.take('m', ONE, policy());
        expect(probe.granted && probe.probe).toBe(true);
        // While the probe is out, the others look again after the probe delay.
        const held = await h.store.take('m', ONE, policy());
        expect(held.granted === false && [held.reason, held.waitMs]).toEqual(['overloaded', 250]);
        const recovered = await settle(h, 'm', granted(probe), 'success');
        expect(recovered.change?.state).toBe('recovered');
        const after = await h.store.take('m', ONE, policy());
        expect(after.granted && after.probe).toBe(false);
      }),
    );

    it(
      'keeps each model apart',
      withStore(async (h) => {
        const limits = { rpm: 60 };
        granted(await h.store.take('a', ONE, policy(limits)));
        expectWait(h, await h.store.take('a', ONE, policy(limits)), 'rpm', 1000);
        expect(granted(await h.store.take('b', ONE, policy(limits))).seq).toBe(1);
      }),
    );

    it(
      'runs concurrent steps one at a time: no ticket twice, no room granted twice',
      withStore(async (h) => {
        const free = await Promise.all(Array.from({ length: 30 }, () => h.store.take('free', ONE, policy())));
        const seqs = free.map((r) => granted(r).seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));

        // A bucket of one: however many ask at once, exactly one goes.
        const limits = { rpm: 60 };
        const tight = await Promise.all(
          Array.from({ length: 20 }, () => h.store.take('tight', ONE, policy(limits))),
        );
        expect(tight.filter((r) => r.granted)).toHaveLength(1);
      }),
    );
  });
}
