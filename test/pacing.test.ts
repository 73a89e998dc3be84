import { afterEach, describe, expect, it } from 'vitest';
import { type ClientEvent, createClient, type MockServer, startMockServer } from '../src/index.js';
import { VirtualClock } from '../src/internal/test-support/virtual-clock.js';

const KEY = 'sk-test-pacing-key';
const MODEL = 'claude-test';

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function ask(i: number) {
  return { model: MODEL, max_tokens: 20, messages: [{ role: 'user' as const, content: `Hello ${i}` }] };
}

describe('pacing over real HTTP against the simulated API', () => {
  it('30 concurrent calls at 1200 rpm (a bucket of 20): all succeed, each sent once, no 429', async () => {
    server = await startMockServer({ limits: { rpm: 1200 } });
    const events: ClientEvent[] = [];
    const client = createClient({ apiKey: KEY, baseURL: server.url, onEvent: (e) => events.push(e) });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => client.messages.create(ask(i))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30);
    expect(server.stats.rateLimited).toBe(0);
    expect(server.stats.requests).toBe(30);
    expect(events.filter((e) => e.type === 'pacing').map((e) => e.type === 'pacing' && e.state)).toEqual([
      'paced',
    ]);
  });

  it('the same burst with pacing off draws 429s (what the test above guards against)', async () => {
    // Time stands still (nobody sleeps), so the bucket of 20 does not refill during the burst.
    const clock = new VirtualClock();
    server = await startMockServer({ limits: { rpm: 1200 }, clock });
    const client = createClient({
      apiKey: KEY,
      baseURL: server.url,
      pacing: false,
      clock,
      retry: { maxAttempts: 1 },
    });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => client.messages.create(ask(i))),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(10);
    expect(server.stats.rateLimited).toBe(10);
  });

  it('holds 20 callers through a 2 s overload behind a few probes; none spends more than 2 attempts', async () => {
    const clock = new VirtualClock();
    server = await startMockServer({ clock, faults: { overloadWindows: [{ startMs: 0, endMs: 2000 }] } });
    const states: string[] = [];
    const client = createClient({
      apiKey: KEY,
      baseURL: server.url,
      clock,
      retry: { maxAttempts: 2, random: () => 0.5 },
      onEvent: (e) => {
        if (e.type === 'pacing') states.push(e.state);
      },
    });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => client.messages.create(ask(i))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    expect(states).toEqual(['overloaded', 'recovered']);
    // The first request, then one probe at a time (250 ms, 500 ms, 1 s apart) until one is answered.
    expect(server.stats.requestsDuringOverload).toBeLessThanOrEqual(5);
    expect(server.stats.overloaded).toBe(server.stats.requestsDuringOverload);
    expect(server.stats.succeeded).toBe(20);
  });
});
