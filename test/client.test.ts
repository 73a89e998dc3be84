import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  createClient,
  isRetryError,
  type RetryError,
  type RetryEvent,
} from '../src/index.js';
import { VirtualClock } from '../src/internal/test-support/virtual-clock.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';

const KEY = 'sk-test-client-key-0001';
const params = {
  model: 'claude-sonnet-4-20250514',
  max_tokens: 50,
  messages: [{ role: 'user' as const, content: 'echo: hello there' }],
};

let server: MockServer;
beforeAll(async () => {
  server = await startMockServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.resetStats();
  server.setFaults({});
});

/** A client on the simulated API with a virtual clock, so retry waits take no real time. */
function testClient(retry: Record<string, unknown> = {}) {
  const clock = new VirtualClock();
  const retries: RetryEvent[] = [];
  const client = createClient({
    apiKey: KEY,
    baseURL: server.url,
    clock,
    retry: { clock, random: () => 0.5, onRetry: (e) => retries.push(e), ...retry },
  });
  return { client, clock, retries };
}

async function failure(promise: Promise<unknown>): Promise<RetryError> {
  try {
    await promise;
  } catch (error) {
    return error as RetryError;
  }
  throw new Error('expected the call to fail');
}

describe('createClient over real HTTP', () => {
  it('returns the message on the first try', async () => {
    const { client, clock } = testClient();
    const message = await client.messages.create(params);
    expect(message.content).toEqual([{ type: 'text', text: 'hello there' }]);
    expect(clock.sleeps).toEqual([]);
    expect(server.stats.requests).toBe(1);
  });

  it('sends the key as Authorization: Bearer, as SDK 1.x does', async () => {
    await testClient().client.messages.create(params);
    expect(server.stats.authHeaders).toEqual({ bearer: 1, xApiKey: 0 });
  });

  it('retries a 429 after the server-given retry-after, plus jitter', async () => {
    const { client, clock, retries } = testClient();
    server.script({ status: 429, headers: { 'retry-after': '2' } }, 'ok');
    await client.messages.create(params);
    expect(clock.sleeps).toEqual([2100]);
    expect(retries.map((r) => [r.reason, r.delaySource, r.status])).toEqual([['rate_limit', 'server', 429]]);
    expect(retries[0]?.requestId).toMatch(/^req_/);
  });

  it('retries a 429 without retry-after on the backoff schedule', async () => {
    const { client, clock } = testClient();
    server.script({ status: 429 }, { status: 429 }, 'ok');
    await client.messages.create(params);
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(server.stats.requests).toBe(3);
  });

  it('retries 529, 500 and a reset connection', async () => {
    const { client, retries } = testClient();
    server.script({ status: 529, errorType: 'overloaded_error' }, { status: 500 }, { reset: true }, 'ok');
    const message = await client.messages.create(params);
    expect(message.type).toBe('message');
    expect(retries.map((r) => r.reason)).toEqual(['overloaded', 'server_error', 'connection']);
  });

  it('does not retry when the server says x-should-retry: false', async () => {
    const { client } = testClient();
    server.script({ status: 529, headers: { 'x-should-retry': 'false' } });
    await expect(client.messages.create(params)).rejects.toMatchObject({ status: 529 });
    expect(server.stats.requests).toBe(1);
  });

  it('never retries 400 or 401', async () => {
    const { client } = testClient();
    await expect(client.messages.create({ ...params, max_tokens: 0 })).rejects.toMatchObject({ status: 400 });
    server.script({ status: 401, errorType: 'authentication_error' });
    await expect(client.messages.create(params)).rejects.toMatchObject({ status: 401 });
    expect(server.stats.requests).toBe(2);
  });

  it('gives up after maxAttempts with the last error, attempts, request id and 429 reset time', async () => {
    server.setLimits({ rpm: 60 });
    try {
      const { client } = testClient({ maxAttempts: 3 });
      await client.messages.create(params);
      const error = await failure(client.messages.create(params));
      expect(isRetryError(error)).toBe(true);
      expect(error.attempts).toBe(3);
      expect(error.status).toBe(429);
      expect(error.requestId).toMatch(/^req_/);
      expect(error.rateLimitReset).toBeInstanceOf(Date);
      expect((error.cause as { status: number }).status).toBe(429);
    } finally {
      server.setLimits({});
    }
  });

  it('gives up at once when retry-after is beyond the cap', async () => {
    const { client, clock } = testClient();
    server.script({ status: 429, headers: { 'retry-after': '600' } });
    const error = await failure(client.messages.create(params));
    expect(error.reason).toBe('retry-after-too-long');
    expect(clock.sleeps).toEqual([]);
    expect(error.message).toContain('asked to wait 600 s');
  });

  it('stops at the deadline instead of sleeping past it', async () => {
    const { client, clock } = testClient({ deadline: 1200, jitter: 'none' });
    server.script({ status: 500 }, { status: 500 });
    const error = await failure(client.messages.create(params));
    expect(error.reason).toBe('deadline');
    expect(clock.sleeps).toEqual([1000]);
  });

  it("counts the client's deadline from each call, not from createClient()", async () => {
    const { client, clock } = testClient({ deadline: 1200, jitter: 'none' });
    await clock.advance(5000); // far past 1200 ms after the client was made
    server.script({ status: 500 });
    const message = await client.messages.create(params);
    expect(message.content).toEqual([{ type: 'text', text: 'hello there' }]);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('refuses a bad retry option when the client is made, naming it', () => {
    expect(() => createClient({ apiKey: KEY, baseURL: server.url, retry: { maxAttempts: 0 } })).toThrow(
      'Invalid retry option `maxAttempts`: expected an integer >= 1, got 0.',
    );
  });

  it("rejects a call whose own retry options are bad, and the client's stay in force", async () => {
    const { client } = testClient();
    await expect(client.messages.create(params, { retry: { jitter: 'wobbly' as 'full' } })).rejects.toThrow(
      'Invalid retry option `jitter`: wobbly.',
    );
    await expect(client.messages.create(params)).resolves.toMatchObject({ type: 'message' });
  });

  it('an abort while waiting to retry stops at once', async () => {
    const clock = new VirtualClock({ auto: false });
    const controller = new AbortController();
    const client = createClient({ apiKey: KEY, baseURL: server.url, clock, retry: { clock } });
    server.script({ status: 529 });
    const call = client.messages.create(params, { signal: controller.signal });
    await expect.poll(() => clock.pending).toBe(1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.stats.requests).toBe(1);
  });

  it('emits typed events for requests, answers, retries and giving up', async () => {
    const { client } = testClient({ maxAttempts: 2 });
    const seen: string[] = [];
    client.on('request', (e) => seen.push(`request#${e.attempt}`));
    client.on('response', (e) => seen.push(`response:${e.status}`));
    client.on('retry', (e) => seen.push(`retry:${e.reason}`));
    client.on('giveUp', (e) => seen.push(`giveUp:${e.reason}`));
    server.script({ status: 503 }, { status: 503 });
    await failure(client.messages.create(params));
    expect(seen).toEqual([
      'request#1',
      'response:503',
      'retry:server_error',
      'request#2',
      'response:503',
      'giveUp:attempts-exhausted',
    ]);
  });

  it("reports a success's status and request id, and hands its headers and usage to the pacer", async () => {
    const settled: AttemptOutcome[] = [];
    const pacer = { acquire: () => ({ settle: (outcome: AttemptOutcome) => void settled.push(outcome) }) };
    const client = createClient({ apiKey: KEY, baseURL: server.url, pacer });
    const responses: { status: number; requestId: string | undefined }[] = [];
    client.on('response', (e) => responses.push({ status: e.status, requestId: e.requestId }));
    const message = await client.messages.create(params);
    const requestId = (message as { _request_id?: string })._request_id;
    expect(requestId).toMatch(/^req_/);
    expect(responses).toEqual([{ status: 200, requestId }]);
    expect(settled).toHaveLength(1);
    expect(settled[0]?.status).toBe(200);
    expect(settled[0]?.headers?.get('request-id')).toBe(requestId);
    expect(settled[0]?.usage).toEqual(message.usage);
  });

  it('wraps an existing SDK client without multiplying retries', async () => {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const sdk = new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 5 });
    const clock = new VirtualClock();
    const client = createClient({ client: sdk, retry: { clock, maxAttempts: 2 } });
    server.script({ status: 500 }, { status: 500 });
    await failure(client.messages.create(params));
    expect(server.stats.requests).toBe(2);
  });

  it('settles the pacing permit once when a response listener throws, and the call fails with its error', async () => {
    const settled: (number | undefined)[] = [];
    const pacer = {
      acquire: () => ({ settle: (o: { status?: number }) => void settled.push(o.status) }),
    };
    const client = createClient({ apiKey: KEY, baseURL: server.url, pacer });
    client.on('response', () => {
      throw new Error('listener broke');
    });
    await expect(client.messages.create(params)).rejects.toThrow('listener broke');
    server.script({ status: 400 });
    await expect(client.messages.create(params)).rejects.toThrow('listener broke');
    // Each permit settled exactly once, with the answer it got: the pacer learns from both.
    expect(settled).toEqual([200, 400]);
    expect(server.stats.requests).toBe(2);
  });

  it('settles the pacing permit when the SDK throws before sending', async () => {
    const settled: unknown[] = [];
    const pacer = { acquire: () => ({ settle: (o: { error?: unknown }) => settled.push(o.error) }) };
    const refusal = new Error('the SDK refused the request');
    const sdk = {
      withOptions: () => sdk,
      messages: {
        create: () => {
          throw refusal;
        },
      },
    };
    const client = createClient({ client: sdk as never, pacer });
    await expect(client.messages.create(params)).rejects.toBe(refusal);
    expect(settled).toEqual([refusal]);
  });

  it('explains a missing key', () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => createClient({ baseURL: server.url })).toThrow(
        'No API key: set the ANTHROPIC_API_KEY environment variable or pass `apiKey` to createClient().',
      );
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
