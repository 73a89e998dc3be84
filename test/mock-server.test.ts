import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/internal/test-support/virtual-clock.js';
import { countTokens, type MockServer, type MockServerOptions, startMockServer } from '../src/mock/index.js';
import { ask, json, post, TEST_KEY } from '../src/mock/test-support/http.js';

let server: MockServer | undefined;

async function start(options: MockServerOptions = {}): Promise<MockServer> {
  server = await startMockServer(options);
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function errorOf(response: Response) {
  const body = await json(response);
  return { status: response.status, type: body.error.type, message: body.error.message, body };
}

describe('mock server: HTTP surface', () => {
  it('listens on 127.0.0.1 and a free port', async () => {
    const s = await start();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(s.port).toBeGreaterThan(0);
  });

  it('accepts x-api-key and Authorization: Bearer and counts both styles', async () => {
    const s = await start();
    expect((await post(`${s.url}/v1/messages`, ask('hi'), { 'x-api-key': 'k1' })).status).toBe(200);
    expect((await post(`${s.url}/v1/messages`, ask('hi'), { authorization: 'Bearer k2' })).status).toBe(200);
    expect(s.stats.authHeaders).toEqual({ bearer: 1, xApiKey: 1 });
  });

  it('answers 401 without a key, and with an unknown key when apiKeys is set, never echoing it', async () => {
    const s = await start({ apiKeys: ['sk-good'] });
    const missing = await errorOf(await post(`${s.url}/v1/messages`, ask('hi'), {}));
    expect(missing).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(missing.message).toMatch(/^x-api-key header is required/);
    const response = await post(`${s.url}/v1/messages`, ask('hi'), {
      authorization: 'Bearer sk-secret-wrong',
    });
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(JSON.parse(text).error).toEqual({ type: 'authentication_error', message: 'invalid x-api-key' });
    expect(text).not.toContain('sk-secret-wrong');
    expect([...response.headers.values()].join(' ')).not.toContain('sk-secret-wrong');
    expect((await post(`${s.url}/v1/messages`, ask('hi'), { 'x-api-key': 'sk-good' })).status).toBe(200);
  });

  it('puts a request-id on every answer and in every error body', async () => {
    const s = await start();
    const ok = await post(`${s.url}/v1/messages`, ask('hi'));
    expect(ok.headers.get('request-id')).toMatch(/^req_\w{24}$/);
    const bad = await post(`${s.url}/v1/messages`, { model: 'm' });
    const id = bad.headers.get('request-id');
    expect(id).toMatch(/^req_/);
    expect(id).not.toBe(ok.headers.get('request-id'));
    expect((await json(bad)).request_id).toBe(id);
    const missing = await fetch(`${s.url}/nope`);
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
  });

  it('names the invalid field in 400 invalid_request_error answers', async () => {
    const s = await start();
    const cases: [unknown, string][] = [
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens: Field required'],
      [{ model: 'm', max_tokens: 5, messages: 'x' }, 'messages: Input should be a list'],
      [
        { model: 'm', max_tokens: 5, messages: [{ role: 'bot', content: 'x' }] },
        "messages.0.role: Input should be 'user' or 'assistant'",
      ],
      [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'model: Field required'],
      [{ ...ask('x'), max_tokens: -1 }, 'max_tokens: Input should be greater than or equal to 1'],
      [{ ...ask('x'), temperature: 0.7 }, 'temperature: Extra inputs are not permitted'],
      [{ ...ask('x'), top_p: 0.9 }, 'top_p: Extra inputs are not permitted'],
    ];
    for (const [body, message] of cases) {
      const error = await errorOf(await post(`${s.url}/v1/messages`, body));
      expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', message });
      expect(error.body.type).toBe('error');
    }
    const invalidJson = await errorOf(await post(`${s.url}/v1/messages`, '{"model":'));
    expect(invalidJson).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(invalidJson.message).toMatch(/not valid JSON/);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const s = await start();
    const notFound = await errorOf(await post(`${s.url}/v1/complete`, ask('hi')));
    expect(notFound).toMatchObject({ status: 404, type: 'not_found_error' });
    const get = await fetch(`${s.url}/v1/messages`, { headers: { 'x-api-key': TEST_KEY } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await json(get)).error.type).toBe('invalid_request_error');
    expect(s.stats.requests).toBe(0);
  });

  it('replies deterministically for the same seed and input, and differently for another seed', async () => {
    const texts = async (seed: number) => {
      const s = await startMockServer({ seed });
      try {
        const answer = await json(await post(`${s.url}/v1/messages`, ask('Tell me something')));
        return { text: answer.content[0].text, id: answer.id };
      } finally {
        await s.close();
      }
    };
    const a = await texts(7);
    expect(await texts(7)).toEqual(a);
    expect(a.id).toMatch(/^msg_/);
    const others = await Promise.all([8, 9, 10, 11].map(texts));
    expect(others.some((o) => o.text !== a.text)).toBe(true);
  });

  it('returns a full message body with usage counted by countTokens', async () => {
    const s = await start();
    const body = { ...ask('echo: Hello, world!'), model: 'claude-unknown-9', system: 'Be nice.' };
    const answer = await json(await post(`${s.url}/v1/messages`, body));
    expect(answer).toEqual({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      role: 'assistant',
      model: 'claude-unknown-9',
      content: [{ type: 'text', text: 'Hello, world!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: countTokens('Be nice.') + countTokens('echo: Hello, world!'),
        output_tokens: countTokens('Hello, world!'),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  it('truncates the reply to max_tokens', async () => {
    const s = await start();
    const full = (await json(await post(`${s.url}/v1/messages`, ask('hello')))).content[0].text as string;
    const cut = await json(await post(`${s.url}/v1/messages`, { ...ask('hello'), max_tokens: 5 }));
    expect(cut.content[0].text).toBe(full.slice(0, 20));
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBe(5);
  });

  it('counts tokens on /v1/messages/count_tokens', async () => {
    const s = await start();
    const body = { model: 'm', system: 'abcdefgh', messages: [{ role: 'user', content: 'abcde' }] };
    const response = await post(`${s.url}/v1/messages/count_tokens`, body);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ input_tokens: 4 });
    const withMax = await errorOf(
      await post(`${s.url}/v1/messages/count_tokens`, { ...body, max_tokens: 5 }),
    );
    expect(withMax).toMatchObject({ status: 400, message: 'max_tokens: Extra inputs are not permitted' });
    expect(s.stats.requests).toBe(2);
  });

  it('close() does not hang with keep-alive sockets open, and is idempotent', async () => {
    const s = await start();
    await post(`${s.url}/v1/messages`, ask('hi'), { 'x-api-key': 'k', connection: 'keep-alive' });
    await Promise.all([s.close(), s.close()]);
    await expect(post(`${s.url}/v1/messages`, ask('hi'))).rejects.toThrow();
  });

  it('validates its options with TypeErrors naming them', async () => {
    await expect(startMockServer({ port: -1 })).rejects.toThrow(/^port must be a port number/);
    await expect(startMockServer({ limits: { rpm: 0 } })).rejects.toThrow(
      'limits.rpm must be a positive number',
    );
    await expect(startMockServer({ burstWindowSeconds: 0 })).rejects.toThrow(TypeError);
    await expect(startMockServer({ faults: { errorRate: 3 } })).rejects.toThrow('faults.errorRate');
  });
});

describe('mock server: faults', () => {
  it('answers 529 overloaded_error inside overload windows and counts the requests', async () => {
    const clock = new VirtualClock({ auto: false });
    const s = await start({ clock, faults: { overloadWindows: [{ startMs: 1000, endMs: 2000 }] } });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
    await clock.advance(1000);
    const overloaded = await errorOf(await post(`${s.url}/v1/messages`, ask('hi')));
    expect(overloaded).toMatchObject({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(529);
    await clock.advance(1000);
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
    expect(s.stats).toMatchObject({
      requests: 4,
      overloaded: 2,
      requestsDuringOverload: 2,
      succeeded: 2,
      byStatus: { 200: 2, 529: 2 },
    });
    s.setFaults({ overloadWindows: [{ startMs: 0, endMs: 60_000 }] });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(529);
    s.resetStats();
    expect(s.stats).toMatchObject({ requests: 0, overloaded: 0, byStatus: {} });
  });

  it('serves scripted steps in order, then behaves normally', async () => {
    const s = await start();
    s.script(
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 529 },
      { status: 500, errorType: 'api_error', message: 'Boom' },
      'ok',
    );
    const first = await post(`${s.url}/v1/messages`, ask('hi'));
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await json(first)).error.type).toBe('rate_limit_error');
    expect((await errorOf(await post(`${s.url}/v1/messages`, ask('hi')))).type).toBe('overloaded_error');
    expect(await errorOf(await post(`${s.url}/v1/messages`, ask('hi')))).toMatchObject({
      status: 500,
      type: 'api_error',
      message: 'Boom',
    });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
    expect(s.stats).toMatchObject({ rateLimited: 1, overloaded: 1, succeeded: 2 });
  });

  it('checks auth and validation before scripted steps', async () => {
    const s = await start();
    s.script({ status: 529 });
    expect((await post(`${s.url}/v1/messages`, ask('hi'), {})).status).toBe(401);
    expect((await post(`${s.url}/v1/messages`, { model: 'm' })).status).toBe(400);
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(529);
  });

  it('destroys the socket for a scripted or random reset, so fetch rejects', async () => {
    const s = await start();
    s.script({ reset: true });
    await expect(post(`${s.url}/v1/messages`, ask('hi'))).rejects.toThrow(TypeError);
    s.setFaults({ resetRate: 1 });
    await expect(post(`${s.url}/v1/messages`, ask('hi'))).rejects.toThrow(TypeError);
    expect(s.stats.resets).toBe(2);
    s.setFaults({});
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
  });

  it('draws random 500s from the seed, the same sequence every time', async () => {
    const statuses = async () => {
      const s = await startMockServer({ seed: 42, faults: { errorRate: 0.5 } });
      try {
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await post(`${s.url}/v1/messages`, ask('hi'))).status);
        return out;
      } finally {
        await s.close();
      }
    };
    const first = await statuses();
    expect(await statuses()).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
  });

  it('adds x-should-retry to errors when asked', async () => {
    const s = await start({ faults: { shouldRetryHeader: true } });
    s.script({ status: 529 }, { status: 400 });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).headers.get('x-should-retry')).toBe('true');
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).headers.get('x-should-retry')).toBe('false');
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).headers.get('x-should-retry')).toBeNull();
  });

  it('waits latencyMs on the injected clock before answering', async () => {
    const clock = new VirtualClock();
    const s = await start({ clock, latencyMs: 250 });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
    s.setFaults({ latencyMs: 40 });
    expect(
      (await post(`${s.url}/v1/messages/count_tokens`, { model: 'm', messages: ask('x').messages })).status,
    ).toBe(200);
    expect(clock.sleeps).toEqual([250, 40]);
  });

  it('decides on arrival: a refusal or a fault comes back at once, only an answer takes the latency', async () => {
    const clock = new VirtualClock();
    const s = await start({ clock, latencyMs: 250, limits: { rpm: 60 } });
    s.script({ status: 529 }, { status: 400 });
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(529);
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(400);
    expect(clock.sleeps).toEqual([]);
    // 60 rpm holds one request at a time: the first is admitted and answered after the latency...
    expect((await post(`${s.url}/v1/messages`, ask('hi'))).status).toBe(200);
    expect(clock.sleeps).toEqual([250]);
    // ...the next is refused on arrival, without waiting.
    const refused = await post(`${s.url}/v1/messages`, ask('hi'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(clock.sleeps).toEqual([250]);
  });
});
