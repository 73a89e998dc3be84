import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  type ClientEvent,
  ConfigurationError,
  isRetryError,
  isStreamInterruptedError,
  type Pacer,
  type PacingRequest,
  type StreamAttempt,
  type StreamRetryEvent,
} from '../src/index.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { ask, collect, consumerText, shape, streamClient, textOf } from './support/stream.js';

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

const PROMPT = 'Tell me about streaming';
/** The idle timeout where a stall is scripted: real time, so short, but far above a healthy gap. */
const STALL_MS = 200;
const params = ask(PROMPT);
/** The documented order for a one-block answer of `n` deltas (pings are not passed on). */
const uninterrupted = (n: number) =>
  [
    'message_start',
    'content_block_start',
    ...Array(n).fill('d'),
    'content_block_stop',
    'message_delta',
    'message_stop',
  ].join(',');

async function reference() {
  const { client } = streamClient(server.url);
  const message = await client.messages.create(params);
  server.resetStats();
  return message;
}

describe('messages.stream without trouble', () => {
  it('yields the documented events and ends with the same message as messages.create', async () => {
    const expected = await reference();
    const { client, clock } = streamClient(server.url);
    const stream = client.messages.stream(params);
    const texts: [string, string][] = [];
    stream.on('text', (delta, snapshot) => texts.push([delta, snapshot]));
    const { events, error } = await collect(stream);
    expect(error).toBeUndefined();
    const deltas = texts.length;
    expect(shape(events)).toBe(uninterrupted(deltas));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: textOf(expected) }]);
    expect(message.usage).toMatchObject({
      input_tokens: expected.usage.input_tokens,
      output_tokens: expected.usage.output_tokens,
    });
    expect(message.stop_reason).toBe('end_turn');
    expect(await stream.finalText()).toBe(textOf(expected));
    expect(texts.map(([d]) => d).join('')).toBe(textOf(expected));
    expect(texts.at(-1)?.[1]).toBe(textOf(expected));
    expect(stream.attempts.map((a) => [a.attempt, a.mode, a.outcome, a.status])).toEqual([
      [1, 'fresh', 'completed', 200],
    ]);
    expect(clock.sleeps).toEqual([]);
    expect(server.stats.requests).toBe(1);
  });

  it('finalMessage() works without iterating, and listeners see every event', async () => {
    const { client } = streamClient(server.url);
    const stream = client.messages.stream(ask('echo: one two three four'));
    const seen: string[] = [];
    stream.on('streamEvent', (event) => seen.push(event.type));
    let ended = false;
    stream.on('end', () => {
      ended = true;
    });
    expect(await stream.finalText()).toBe('one two three four');
    expect(seen[0]).toBe('message_start');
    expect(seen.at(-1)).toBe('message_stop');
    expect(ended).toBe(true);
  });

  it('reports each attempt on the client events, like messages.create', async () => {
    const events: ClientEvent[] = [];
    const { client } = streamClient(server.url, {
      onEvent: (e) => {
        if (e.type !== 'pacing') events.push(e);
      },
    });
    server.script({ status: 529 });
    await client.messages.stream(params).finalMessage();
    expect(events.map((e) => [e.type, 'status' in e ? e.status : undefined])).toEqual([
      ['request', undefined],
      ['response', 529],
      ['retry', 529],
      ['request', undefined],
      ['response', 200],
    ]);
  });
});

describe('errors before the first byte follow the retry rules', () => {
  it('waits the server-given retry-after for a 429, then streams', async () => {
    const expected = await reference();
    const { client, clock } = streamClient(server.url);
    server.script({ status: 429, headers: { 'retry-after': '2' } });
    const stream = client.messages.stream(params);
    const retries: StreamRetryEvent[] = [];
    stream.on('retry', (e) => retries.push(e));
    const { events } = await collect(stream);
    expect(clock.sleeps).toEqual([2100]);
    expect(retries.map((r) => [r.reason, r.status, r.action, r.midStream, r.delaySource])).toEqual([
      ['rate_limit', 429, 'retry', false, 'server'],
    ]);
    expect(events.some((e) => e.type === 'restart')).toBe(false);
    expect(consumerText(events)).toBe(textOf(expected));
  });

  it('retries 529, 500 and a reset before the 200 on the backoff schedule', async () => {
    const { client, clock } = streamClient(server.url);
    server.script({ status: 529 }, { status: 500 }, { reset: true });
    const stream = client.messages.stream(params);
    await stream.finalMessage();
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
    expect(stream.attempts.map((a) => [a.outcome, a.status, a.usage])).toEqual([
      ['failed', 529, undefined],
      ['failed', 500, undefined],
      ['failed', undefined, undefined],
      ['completed', 200, expect.any(Object)],
    ]);
  });

  it('gives up on a refused connection with a RetryError, as messages.create does', async () => {
    const closed = await startMockServer();
    const url = closed.url;
    await closed.close();
    const { client, clock } = streamClient(url, { retry: { maxAttempts: 3 } });
    const stream = client.messages.stream(params);
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(isRetryError(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'attempts-exhausted', attempts: 3 });
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('does not retry a 400, and the iterator throws the same error', async () => {
    const { client } = streamClient(server.url);
    const stream = client.messages.stream({ ...params, max_tokens: 0 });
    const { events, error } = await collect(stream);
    expect(events).toEqual([]);
    expect(error).toMatchObject({ status: 400 });
    await expect(stream.finalMessage()).rejects.toBe(error);
    expect(server.stats.requests).toBe(1);
  });
});

describe('interruptions before any content are retried without the caller noticing', () => {
  it.each([
    ['error', { kind: 'error', afterEvents: 2 }, 'overloaded'],
    ['reset', { kind: 'reset', afterEvents: 2 }, 'connection'],
    ['stall', { kind: 'stall', afterEvents: 2 }, 'timeout'],
    ['reset right after the 200', { kind: 'reset', afterEvents: 0 }, 'connection'],
    ['reset inside message_start', { kind: 'reset', afterBytes: 40 }, 'connection'],
  ] as const)('%s', async (_name, interruption, reason) => {
    const expected = await reference();
    const { client } = streamClient(server.url);
    server.script({ stream: interruption });
    // A short idle timeout only where a stall is expected: elsewhere a busy machine could fake one.
    const idleTimeout = interruption.kind === 'stall' ? STALL_MS : undefined;
    const stream = client.messages.stream(params, { onInterrupt: 'fail', idleTimeout });
    const retries: StreamRetryEvent[] = [];
    stream.on('retry', (e) => retries.push(e));
    const { events, error } = await collect(stream);
    expect(error).toBeUndefined();
    expect(retries.map((r) => [r.reason, r.action, r.midStream, r.charactersHandedOver])).toEqual([
      [reason, 'retry', true, 0],
    ]);
    // Even with onInterrupt "fail": nothing had been handed over, so there was nothing to lose.
    expect(shape(events)).toBe(uninterrupted(events.filter((e) => e.type === 'content_block_delta').length));
    expect(consumerText(events)).toBe(textOf(expected));
    expect(stream.attempts.map((a) => a.outcome)).toEqual(['interrupted', 'completed']);
    expect(server.stats.streamInterruptions).toBe(1);
  });
});

describe('idle timeout', () => {
  it('treats a stream that goes quiet as stalled and says so', async () => {
    const { client } = streamClient(server.url, { retry: { maxAttempts: 1 } });
    server.script({ stream: { kind: 'stall', afterEvents: 4 } });
    const stream = client.messages.stream(params, { idleTimeout: STALL_MS });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(isStreamInterruptedError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /No stream event for 200 ms \(idleTimeout\): the stream stalled/,
    );
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('does not fire while events keep coming, even slowly', async () => {
    const slow = await startMockServer({ streamChunkDelayMs: 40 });
    try {
      const { client } = streamClient(slow.url);
      const stream = client.messages.stream(ask('echo: a b c d e f g h i j k l'), { idleTimeout: 150 });
      expect(await stream.finalText()).toBe('a b c d e f g h i j k l');
      expect(stream.attempts).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});

describe('abort', () => {
  it('stops a stream in progress at once: no retry, the abort reason everywhere', async () => {
    const { client, clock } = streamClient(server.url);
    server.script({ stream: { kind: 'stall', afterEvents: 4 } });
    const controller = new AbortController();
    const stream = client.messages.stream(params, { signal: controller.signal });
    stream.on('text', () => controller.abort());
    const { events, error } = await collect(stream);
    expect((error as Error).name).toBe('AbortError');
    expect(shape(events)).toBe('message_start,content_block_start,d');
    await expect(stream.finalMessage()).rejects.toBe(error);
    expect(clock.sleeps).toEqual([]);
    expect(stream.attempts.map((a) => a.outcome)).toEqual(['interrupted']);
    expect(server.stats.requests).toBe(1);
  });

  it('breaking out of the loop aborts the request', async () => {
    const { client } = streamClient(server.url);
    server.script({ stream: { kind: 'stall', afterEvents: 4 } });
    const stream = client.messages.stream(params);
    for await (const event of stream) if (event.type === 'content_block_delta') break;
    await expect(stream.finalMessage()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('never sends a request when the signal is already aborted', async () => {
    const { client } = streamClient(server.url);
    const stream = client.messages.stream(params, { signal: AbortSignal.abort() });
    await expect(stream.finalMessage()).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.stats.requests).toBe(0);
  });
});

describe('pacing and options', () => {
  it('asks the pacer before every attempt and settles each exactly once', async () => {
    const acquired: PacingRequest[] = [];
    const settled: AttemptOutcome[] = [];
    const pacer: Pacer = {
      acquire: async (request) => {
        acquired.push(request);
        return { settle: (outcome) => settled.push(outcome) };
      },
    };
    const { client } = streamClient(server.url, { pacer });
    server.script({ status: 429 }, { stream: { kind: 'error', afterEvents: 4 } });
    await client.messages.stream(params).finalMessage();
    expect(acquired.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(acquired.every((r) => r.params.stream === true && r.model === 'claude-test')).toBe(true);
    expect(
      settled.map((s) => [
        s.status,
        (s.error as { type?: string } | undefined)?.type ?? (s.error ? 'error' : undefined),
      ]),
    ).toEqual([
      [429, 'rate_limit_error'],
      [undefined, 'overloaded_error'],
      [200, undefined],
    ]);
    expect(settled[0]?.error).toBeDefined();
    expect(settled[1]?.headers?.get('request-id')).toMatch(/^req_/);
    expect(settled[2]?.usage?.output_tokens).toBeGreaterThan(1);
  });

  it('fails with the error of a response listener that throws, and still settles the permit', async () => {
    const settled: AttemptOutcome[] = [];
    const pacer: Pacer = { acquire: () => ({ settle: (outcome) => settled.push(outcome) }) };
    const { client } = streamClient(server.url, { pacer });
    client.on('response', () => {
      throw new Error('listener broke');
    });
    await expect(client.messages.stream(params).finalMessage()).rejects.toThrow('listener broke');
    expect(settled.map((s) => [s.status, (s.error as Error | undefined)?.message])).toEqual([
      [undefined, 'listener broke'],
    ]);
    expect(settled[0]?.headers?.get('request-id')).toMatch(/^req_/);
    expect(server.stats.requests).toBe(1);
  });

  it('refuses bad options with a ConfigurationError naming them', () => {
    const { client } = streamClient(server.url);
    expect(() => client.messages.stream(params, { onInterrupt: 'retry' as 'fail' })).toThrow(
      ConfigurationError,
    );
    expect(() => client.messages.stream(params, { onInterrupt: 'retry' as 'fail' })).toThrow(
      /`onInterrupt`: retry\. Use one of: restart, continue, fail/,
    );
    expect(() => client.messages.stream(params, { idleTimeout: 0 })).toThrow(/`idleTimeout`/);
  });

  it('can be iterated once', async () => {
    const { client } = streamClient(server.url);
    const stream = client.messages.stream(params);
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/already iterated/);
    await stream.finalMessage();
  });

  it('records every attempt through the attempt event', async () => {
    const { client } = streamClient(server.url);
    server.script({ status: 529 });
    const stream = client.messages.stream(params);
    const seen: StreamAttempt[] = [];
    stream.on('attempt', (a) => seen.push(a));
    await stream.finalMessage();
    expect(seen).toEqual(stream.attempts);
    expect(seen.map((a) => a.requestId)).toEqual([
      expect.stringMatching(/^req_/),
      expect.stringMatching(/^req_/),
    ]);
  });
});
