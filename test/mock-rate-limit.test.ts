import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/internal/test-support/virtual-clock.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../src/mock/index.js';
import { ask, json, post } from '../src/mock/test-support/http.js';

// 2023-11-14T22:13:20.000Z
const T0 = 1_700_000_000_000;
let server: MockServer | undefined;

async function start(options: MockServerOptions): Promise<{ s: MockServer; clock: VirtualClock }> {
  const clock = new VirtualClock({ start: T0, auto: false });
  server = await startMockServer({ clock, ...options });
  return { s: server, clock };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function rateHeaders(response: Response): Record<string, string> {
  return Object.fromEntries(
    [...response.headers].filter(([name]) => name.startsWith('anthropic-ratelimit-')),
  );
}

describe('mock server: rate limits', () => {
  it('with 60 RPM over 1 s windows refuses the second immediate request with retry-after 1', async () => {
    const { s, clock } = await start({ limits: { rpm: 60 } });
    const first = await post(`${s.url}/v1/messages`, ask('hi'));
    expect(first.status).toBe(200);
    expect(rateHeaders(first)).toEqual({
      'anthropic-ratelimit-requests-limit': '60',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2023-11-14T22:13:21Z',
    });
    const second = await post(`${s.url}/v1/messages`, ask('hi'));
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(rateHeaders(second)).toEqual(rateHeaders(first));
    const body = await json(second);
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.error.message).toMatch(/^Number of requests has exceeded your per-minute rate limit/);
    expect(body.request_id).toBe(second.headers.get('request-id'));

    await clock.advance(1000);
    const third = await post(`${s.url}/v1/messages`, ask('hi'));
    expect(third.status).toBe(200);
    expect(third.headers.get('anthropic-ratelimit-requests-reset')).toBe('2023-11-14T22:13:22Z');
    expect(s.stats).toMatchObject({
      requests: 3,
      rateLimited: 1,
      succeeded: 2,
      byStatus: { 200: 2, 429: 1 },
    });
  });

  it('lets a burst through when the window is a whole minute', async () => {
    const { s } = await start({ limits: { rpm: 3 }, burstWindowSeconds: 60 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(`${s.url}/v1/messages`, ask('hi'))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('charges OTPM from max_tokens at admission and refunds the unused part when the answer ends', async () => {
    const { s } = await start({ limits: { otpm: 60_000 } }); // 1000 output tokens per 1 s window
    const first = await post(`${s.url}/v1/messages`, { ...ask('echo: 12345678'), max_tokens: 600 });
    expect(first.status).toBe(200);
    expect(first.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe('400');
    expect((await json(first)).usage.output_tokens).toBe(2);
    // 598 unused tokens came back when the answer was complete.
    const second = await post(`${s.url}/v1/messages`, { ...ask('hi', { stream: true }), max_tokens: 900 });
    expect(second.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe('98');
    await second.text();
    const third = await post(`${s.url}/v1/messages`, { ...ask('hi'), max_tokens: 1000 });
    expect(third.status).toBe(429);
    const message = (await json(third)).error.message;
    expect(message).toMatch(/^Number of output tokens has exceeded your per-minute rate limit/);
  });

  it('names the input-token limit and reports tokens-* and rounded remaining', async () => {
    const { s } = await start({ limits: { itpm: 1_200_000, otpm: 2_400_000 } }); // 20000 and 40000 per second
    const prompt = 'x'.repeat(4 * 4_321);
    const first = await post(`${s.url}/v1/messages`, { ...ask(prompt), max_tokens: 100 });
    expect(rateHeaders(first)).toMatchObject({
      'anthropic-ratelimit-input-tokens-limit': '1200000',
      'anthropic-ratelimit-input-tokens-remaining': '16000', // 15679, to the nearest thousand
      'anthropic-ratelimit-output-tokens-remaining': '40000', // 39900
      'anthropic-ratelimit-tokens-limit': '1200000',
      'anthropic-ratelimit-tokens-remaining': '16000',
    });
    const big = await post(`${s.url}/v1/messages`, { ...ask('x'.repeat(4 * 19_000)), max_tokens: 100 });
    expect(big.status).toBe(429);
    expect(big.headers.get('retry-after')).toBe('1');
    expect((await json(big)).error.message).toMatch(/^Number of input tokens has exceeded/);
  });

  it('keeps per-model limits, sends no headers for unlimited models, and applies setLimits', async () => {
    const { s } = await start({ modelLimits: { slow: { rpm: 60 } } });
    const free = await post(`${s.url}/v1/messages`, ask('hi'));
    expect(rateHeaders(free)).toEqual({});
    expect((await post(`${s.url}/v1/messages`, { ...ask('hi'), model: 'slow' })).status).toBe(200);
    expect((await post(`${s.url}/v1/messages`, { ...ask('hi'), model: 'slow' })).status).toBe(429);
    s.setLimits({ rpm: 120 }, 'slow');
    expect((await post(`${s.url}/v1/messages`, { ...ask('hi'), model: 'slow' })).status).toBe(200);
    s.setLimits({ rpm: 60 });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(429);
  });

  it('checks overload windows before rate limits, and a refused request costs nothing', async () => {
    const { s, clock } = await start({
      limits: { rpm: 60 },
      faults: { overloadWindows: [{ startMs: 0, endMs: 500 }] },
    });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(529);
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(529);
    await clock.advance(500);
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
  });
});
