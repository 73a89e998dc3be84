import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/internal/test-support/virtual-clock.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../src/mock/index.js';
import { ask, json, parseSse, post, readEvents, streamedText } from '../src/mock/test-support/http.js';

let server: MockServer | undefined;

async function start(options: MockServerOptions = {}): Promise<MockServer> {
  server = await startMockServer(options);
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function fullText(s: MockServer, prompt: string): Promise<string> {
  return (await json(await post(`${s.url}/v1/messages`, ask(prompt)))).content[0].text;
}

async function stream(s: MockServer, body: Record<string, unknown>) {
  const response = await post(`${s.url}/v1/messages`, { ...body, stream: true });
  return { response, events: parseSse(await response.text()) };
}

describe('mock server: streaming', () => {
  it('sends the documented events in order and the same text as the JSON answer', async () => {
    const s = await start();
    const { response, events } = await stream(s, ask('Tell me a story'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const names = events.map((e) => e.event);
    const deltas = names.filter((n) => n === 'content_block_delta').length;
    expect(deltas).toBeGreaterThan(3);
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array(deltas).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
    const text = streamedText(events);
    expect(text).toBe(await fullText(s, 'Tell me a story'));
    const start_ = events[0]?.data.message;
    expect(start_).toMatchObject({ model: 'claude-test', content: [], stop_reason: null });
    expect(start_.usage.output_tokens).toBe(1);
    expect(events.at(-2)?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: Math.ceil(text.length / 4) },
    });
    expect(s.stats).toMatchObject({ succeeded: 2, byStatus: { 200: 2 } });
  });

  it('streams a max_tokens cut with stop_reason max_tokens', async () => {
    const s = await start();
    const { events } = await stream(s, { ...ask('hello'), max_tokens: 4 });
    expect(streamedText(events)).toBe((await fullText(s, 'hello')).slice(0, 16));
    expect(events.at(-2)?.data.delta.stop_reason).toBe('max_tokens');
  });

  it('paces deltas with streamChunkDelayMs on the injected clock', async () => {
    const clock = new VirtualClock();
    const s = await start({ clock, streamChunkDelayMs: 30 });
    const { events } = await stream(s, ask('hello'));
    const deltas = events.filter((e) => e.event === 'content_block_delta').length;
    expect(clock.sleeps).toEqual(Array(deltas - 1).fill(30));
  });

  it('interrupts with an overloaded_error event after three events by default', async () => {
    const s = await start();
    s.script({ stream: { kind: 'error' } });
    const { response, events } = await stream(s, ask('hello'));
    expect(response.status).toBe(200);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'error',
    ]);
    expect(events.at(-1)?.data).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect(s.stats).toMatchObject({ streamInterruptions: 1, succeeded: 0 });
  });

  it('interrupts with another error type after a chosen number of events', async () => {
    const s = await start();
    s.script({ stream: { kind: 'error', afterEvents: 5, errorType: 'api_error' } });
    const { events } = await stream(s, ask('hello'));
    expect(events.filter((e) => e.event === 'content_block_delta')).toHaveLength(3);
    expect(events.at(-1)?.data.error).toEqual({ type: 'api_error', message: 'Internal server error' });
  });

  it('never sends message_stop when afterEvents is beyond the end', async () => {
    const s = await start();
    s.script({ stream: { kind: 'error', afterEvents: 1000 } });
    const { events } = await stream(s, ask('hello'));
    expect(events.map((e) => e.event).slice(-2)).toEqual(['message_delta', 'error']);
  });

  it('destroys the socket mid-stream for a reset interruption', async () => {
    const s = await start();
    s.script({ stream: { kind: 'reset', afterEvents: 4 } });
    const response = await post(`${s.url}/v1/messages`, ask('hello', { stream: true }));
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(s.stats).toMatchObject({ streamInterruptions: 1, resets: 1 });
  });

  it('stalls: stops writing and keeps the connection until the client gives up', async () => {
    const s = await start();
    s.script({ stream: { kind: 'stall' } });
    const abort = new AbortController();
    const response = await post(`${s.url}/v1/messages`, ask('hello', { stream: true }), undefined, {
      signal: abort.signal,
    });
    const events = await readEvents(response, 4, abort);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
    ]);
    expect(s.stats.streamInterruptions).toBe(1);
    expect((await post(`${s.url}/v1/messages`, ask('hello'))).status).toBe(200);
  });

  it('closes a stalled stream when the server closes', async () => {
    const s = await start();
    s.script({ stream: { kind: 'stall', afterEvents: 1 } });
    const response = await post(`${s.url}/v1/messages`, ask('hello', { stream: true }));
    const body = response.text();
    await s.close();
    await expect(body).rejects.toThrow(TypeError);
  });

  it('keeps a stream step queued past non-streamed requests', async () => {
    const s = await start();
    s.script({ stream: { kind: 'error' } });
    expect((await post(`${s.url}/v1/messages`, ask('hello'))).status).toBe(200);
    const { events } = await stream(s, ask('hello'));
    expect(events.at(-1)?.event).toBe('error');
  });

  it('interrupts at random with streamInterruptionRate, using the configured kind', async () => {
    const s = await start({ faults: { streamInterruptionRate: 1, streamInterruption: { kind: 'reset' } } });
    expect((await post(`${s.url}/v1/messages`, ask('hello'))).status).toBe(200);
    const response = await post(`${s.url}/v1/messages`, ask('hello', { stream: true }));
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(s.stats.streamInterruptions).toBe(1);
  });
});

describe('mock server: prefill continuation', () => {
  it('lets a client resume an interrupted stream with a prefill and stitch the exact full text', async () => {
    const s = await start({ seed: 3 });
    const prompt = 'Tell me about retries';
    const full = await fullText(s, prompt);
    for (const afterEvents of [3, 4, 6]) {
      s.script({ stream: { kind: 'error', afterEvents } });
      const first = streamedText((await stream(s, ask(prompt))).events);
      expect(first.length).toBeGreaterThan(0);
      expect(full.startsWith(first)).toBe(true);
      // The API refuses a prefill ending in whitespace, so a client trims it and takes it back from the answer.
      const prefill = first.trimEnd();
      const resumed = await stream(s, {
        ...ask(prompt),
        messages: [
          { role: 'user', content: prompt },
          { role: 'assistant', content: prefill },
        ],
      });
      expect(prefill + streamedText(resumed.events)).toBe(full);
      expect(resumed.events.at(-1)?.event).toBe('message_stop');
    }
  });

  it('continues a non-streamed prefill the same way', async () => {
    const s = await start();
    const full = await fullText(s, 'hi');
    const prefill = full.slice(0, 25).trimEnd();
    const body = {
      ...ask('hi'),
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'text', text: prefill }] },
      ],
    };
    const answer = await json(await post(`${s.url}/v1/messages`, body));
    expect(prefill + answer.content[0].text).toBe(full);
  });

  it('refuses a prefill with trailing whitespace like the real API', async () => {
    const s = await start();
    const body = {
      ...ask('hi'),
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello ' },
      ],
    };
    const response = await post(`${s.url}/v1/messages`, body);
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toBe(
      'messages: final assistant content cannot end with trailing whitespace',
    );
  });
});
