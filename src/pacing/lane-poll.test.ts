/**
 * A shared store's room is freed by other processes, which cannot wake this one's waiters: with a
 * store that sets `pollMs`, a waiting request asks again at least that often.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../internal/test-support/virtual-clock.js';
import { createPacer } from './pacer.js';
import type { PacingStore, TakeResult } from './store.js';

/** A store that makes the first `denials` takes wait 10 s (as if for requests in flight elsewhere). */
function storeWith(pollMs: number | undefined, denials: number): PacingStore & { takes: number } {
  const store = {
    pollMs,
    takes: 0,
    take: async (): Promise<TakeResult> => {
      store.takes++;
      if (store.takes <= denials) {
        return { granted: false, waitMs: 10_000, reason: 'requests', limit: 60, learned: true };
      }
      return { granted: true, ticket: { seq: store.takes, sentAt: 0 }, probe: false, learned: true };
    },
    settle: async () => ({ learned: true, unexplained429: false, change: undefined }),
  };
  return store;
}

const REQUEST = {
  model: 'm',
  params: { model: 'm', max_tokens: 10, messages: [{ role: 'user' as const, content: 'hi' }] },
  signal: undefined,
  deadline: undefined,
};

describe('waiting on a shared store', () => {
  it('asks again every pollMs instead of sleeping the whole wait', async () => {
    const clock = new VirtualClock();
    const store = storeWith(50, 3);
    await createPacer({ store, clock, retryBudget: false }).acquire(REQUEST);
    // The direct try is denied, then the line asks again at once; each later denial: 50 ms, not 10 s.
    expect(clock.sleeps).toEqual([50, 50]);
    expect(store.takes).toBe(4);
  });

  it('sleeps the whole wait when only local events change the store', async () => {
    const clock = new VirtualClock();
    await createPacer({ store: storeWith(undefined, 2), clock, retryBudget: false }).acquire(REQUEST);
    expect(clock.sleeps).toEqual([10_000]);
  });
});
