/**
 * The promise of issue 5: with the simulated API interrupting 20% of streams, every one of 200
 * streamed requests ends with the complete, correct message: the same text as the non-streamed reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InterruptPolicy, StreamInterruption } from '../src/index.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { ask, streamClient, textOf } from './support/stream.js';

const REQUESTS = 200;
const CONCURRENCY = 20;
const prompts = Array.from(
  { length: REQUESTS },
  (_, i) => `Question ${i}: what happens when a stream breaks?`,
);

let server: MockServer;
const expected = new Map<string, { text: string; stopReason: string | null }>();

beforeAll(async () => {
  // Deltas 1 ms apart, so the 20 streams in flight really overlap.
  server = await startMockServer({ seed: 7, streamChunkDelayMs: 1 });
  const { client } = streamClient(server.url);
  await pool(prompts, CONCURRENCY, async (prompt) => {
    const message = await client.messages.create(ask(prompt));
    expected.set(prompt, { text: textOf(message), stopReason: message.stop_reason });
  });
});
afterAll(async () => {
  await server.close();
});

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: size }, worker));
}

describe.each([
  ['restart', { kind: 'error', afterEvents: 4 }],
  ['continue', { kind: 'reset', afterEvents: 6 }],
] as [InterruptPolicy, StreamInterruption][])('%s, interruptions of kind %o', (onInterrupt, interruption) => {
  it(`${REQUESTS} streamed requests, 20% interrupted, all complete and correct`, async () => {
    server.resetStats();
    server.setFaults({ streamInterruptionRate: 0.2, streamInterruption: interruption });
    // 10 attempts: with 1 in 5 attempts cut, 10 cuts in a row (p = 1e-7) is out of reach. Pacing
    // stays on, without its retry budget: that budget (retries at most 20% of requests) is meant to
    // refuse retries at exactly this failure rate, which is a pacing decision, not a stream one.
    const { client } = streamClient(server.url, {
      retry: { maxAttempts: 10 },
      pacing: { retryBudget: false },
    });
    const mismatches: string[] = [];
    let retried = 0;
    await pool(prompts, CONCURRENCY, async (prompt) => {
      // A stall costs one idle timeout of real time; elsewhere a long one keeps a loaded machine
      // from passing for a stalled stream.
      const idleTimeout = interruption.kind === 'stall' ? 100 : 5000;
      const stream = client.messages.stream(ask(prompt), { onInterrupt, idleTimeout });
      let live = '';
      stream.on('text', (delta) => {
        live += delta;
      });
      stream.on('restart', () => {
        live = '';
      });
      const message = await stream.finalMessage();
      if (stream.attempts.length > 1) retried++;
      const want = expected.get(prompt);
      if (textOf(message) !== want?.text || live !== want.text || message.stop_reason !== want.stopReason) {
        mismatches.push(prompt);
      }
    });
    expect(mismatches).toEqual([]);
    server.setFaults({});
    const cut = server.stats.streamInterruptions;
    // Seeded dice: about a fifth of the ~250 streams opened were cut, and each cut cost one retry.
    expect(cut).toBeGreaterThan(REQUESTS * 0.1);
    // At least one complete answer per request (a slow healthy stream taken for a stall adds one).
    expect(server.stats.succeeded).toBeGreaterThanOrEqual(REQUESTS);
    expect(retried).toBeGreaterThan(0);
    expect(retried).toBeLessThanOrEqual(cut);
    console.log(
      `[stream-soak] ${onInterrupt}/${interruption.kind}: ${REQUESTS} streams, ${cut} interruptions, ${retried} requests retried, 0 wrong`,
    );
  });
});
