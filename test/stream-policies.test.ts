import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type InterruptPolicy,
  isRetryError,
  isStreamInterruptedError,
  type RestartEvent,
  type StreamEvent,
  type StreamInterruptedError,
  type StreamInterruption,
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

const params = ask('Tell me about interruptions');
let FULL = '';
let FULL_OUTPUT_TOKENS = 0;
beforeAll(async () => {
  const message = await streamClient(server.url).client.messages.create(params);
  FULL = textOf(message);
  FULL_OUTPUT_TOKENS = message.usage.output_tokens;
});

const deltaTexts = (events: readonly StreamEvent[]) =>
  events.flatMap((e) =>
    e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [],
  );

/** Interrupted after message_start, content_block_start and two text deltas. */
const AFTER_TWO_DELTAS: Record<string, StreamInterruption> = {
  error: { kind: 'error', afterEvents: 4 },
  reset: { kind: 'reset', afterEvents: 4 },
  stall: { kind: 'stall', afterEvents: 4 },
};
const REASON = { error: 'overloaded', reset: 'connection', stall: 'timeout' } as const;
const NAME = { error: 'overloaded_error', reset: 'connection lost', stall: 'stalled' } as const;

async function run(interruption: StreamInterruption, onInterrupt: InterruptPolicy, extra = {}) {
  const { client, clock } = streamClient(server.url);
  server.script({ stream: interruption });
  // Real time: short where a stall is scripted, the default elsewhere so a busy machine fakes none.
  const idleTimeout = interruption.kind === 'stall' ? 200 : undefined;
  const stream = client.messages.stream({ ...params, ...extra }, { onInterrupt, idleTimeout });
  const restarts: RestartEvent[] = [];
  stream.on('restart', (r) => restarts.push(r));
  const { events, error } = await collect(stream);
  return { stream, events, error, restarts, clock };
}

describe.each(['error', 'reset', 'stall'] as const)('interrupted (%s) after the first delta', (kind) => {
  const interruption = AFTER_TWO_DELTAS[kind] as StreamInterruption;

  it('restart: a restart event, then the whole answer again; usage counts both attempts', async () => {
    const { stream, events, error, restarts, clock } = await run(interruption, 'restart');
    expect(error).toBeUndefined();
    const [first, second] = deltaTexts(events);
    const handedOver = `${first}${second}`;
    expect(FULL.startsWith(handedOver)).toBe(true);
    expect(shape(events)).toMatch(
      /^message_start,content_block_start,d,d,restart,message_start,content_block_start,(d,)+content_block_stop,message_delta,message_stop$/,
    );
    expect(restarts).toEqual([
      {
        type: 'restart',
        attempt: 2,
        reason: REASON[kind],
        fallbackFrom: undefined,
        discardedText: handedOver,
      },
    ]);
    expect(events.find((e) => e.type === 'restart')).toEqual(restarts[0]);
    expect(consumerText(events)).toBe(FULL);
    const message = await stream.finalMessage();
    expect(textOf(message)).toBe(FULL);
    expect(clock.sleeps).toEqual([500]);

    const [cut, whole] = stream.attempts;
    expect([cut?.outcome, whole?.outcome]).toEqual(['interrupted', 'completed']);
    expect(cut?.usage?.output_tokens).toBe(Math.ceil(handedOver.length / 4));
    expect(cut?.outputTokensEstimated).toBe(true);
    expect(whole?.usage?.output_tokens).toBe(FULL_OUTPUT_TOKENS);
    expect(message.usage.input_tokens).toBe(
      (cut?.usage?.input_tokens ?? 0) + (whole?.usage?.input_tokens ?? 0),
    );
    expect(message.usage.output_tokens).toBe(Math.ceil(handedOver.length / 4) + FULL_OUTPUT_TOKENS);
    const delta = events.find((e) => e.type === 'message_delta');
    expect(delta && 'usage' in delta && delta.usage.output_tokens).toBe(message.usage.output_tokens);
  });

  it('continue: one message, the continuation stitched on, the prefill billed as input', async () => {
    const { stream, events, error, restarts } = await run(interruption, 'continue');
    expect(error).toBeUndefined();
    expect(restarts).toEqual([]);
    expect(shape(events)).toMatch(
      /^message_start,content_block_start,d,d,(d,)+content_block_stop,message_delta,message_stop$/,
    );
    expect(deltaTexts(events).join('')).toBe(FULL);
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: FULL }]);
    expect(message.stop_reason).toBe('end_turn');
    const [cut, rest] = stream.attempts;
    expect([cut?.mode, rest?.mode, rest?.outcome]).toEqual(['fresh', 'continue', 'completed']);
    // The continuation's input is the question plus the partial answer sent back as a prefill.
    expect(rest?.usage?.input_tokens).toBeGreaterThan(cut?.usage?.input_tokens ?? Infinity);
    expect(message.usage.input_tokens).toBe(
      (cut?.usage?.input_tokens ?? 0) + (rest?.usage?.input_tokens ?? 0),
    );
    expect(message.usage.output_tokens).toBe(
      (cut?.usage?.output_tokens ?? 0) + (rest?.usage?.output_tokens ?? 0),
    );
  });

  it('fail: a StreamInterruptedError that carries the partial message; no retry', async () => {
    const { events, error, clock } = await run(interruption, 'fail');
    expect(isStreamInterruptedError(error)).toBe(true);
    const failure = error as StreamInterruptedError;
    const handedOver = deltaTexts(events).join('');
    expect(handedOver.length).toBeGreaterThan(0);
    expect(failure.partialText).toBe(handedOver);
    expect(failure.partialMessage?.content).toEqual([{ type: 'text', text: handedOver }]);
    expect(failure).toMatchObject({ kind: REASON[kind], retryable: false, attempts: 1 });
    expect(failure.requestId).toMatch(/^req_/);
    expect(failure.message).toMatch(
      new RegExp(`^Stream interrupted \\(${NAME[kind]}\\) after ${handedOver.length} characters`),
    );
    expect(failure.message).toMatch(/Not retried: onInterrupt is "fail"/);
    expect(clock.sleeps).toEqual([]);
    expect(server.stats.requests).toBe(1);
  });
});

describe('every attempt interrupted', () => {
  const threeCuts = () => server.script(...Array(3).fill({ stream: { kind: 'error', afterEvents: 4 } }));

  it('restart: gives up with the attempts explained and the partial text', async () => {
    threeCuts();
    const { client } = streamClient(server.url, { retry: { maxAttempts: 3 } });
    const stream = client.messages.stream(params);
    const { events, error } = await collect(stream);
    expect(events.filter((e) => e.type === 'restart')).toHaveLength(2);
    expect(isStreamInterruptedError(error)).toBe(true);
    const failure = error as StreamInterruptedError;
    expect(failure.partialText.length).toBeGreaterThan(0);
    expect(FULL.startsWith(failure.partialText)).toBe(true);
    expect(failure.message).toMatch(
      /^The stream could not be completed: Gave up after 3 attempts; the last failure was overloaded/,
    );
    expect(failure.message).toMatch(/Stream interrupted \(overloaded_error\) after \d+ characters/);
    expect(isRetryError(failure.cause)).toBe(true);
    expect(failure.cause).toMatchObject({ reason: 'attempts-exhausted', attempts: 3 });
    await expect(stream.finalMessage()).rejects.toBe(error);
  });

  it('continue: the partial text grows with each attempt and is kept in the error', async () => {
    threeCuts();
    const { client } = streamClient(server.url, { retry: { maxAttempts: 3 } });
    const stream = client.messages.stream(params, { onInterrupt: 'continue' });
    const { events, error } = await collect(stream);
    const failure = error as StreamInterruptedError;
    expect(events.some((e) => e.type === 'restart')).toBe(false);
    expect(failure.partialText).toBe(deltaTexts(events).join(''));
    expect(deltaTexts(events)).toHaveLength(6);
    expect(FULL.startsWith(failure.partialText)).toBe(true);
    expect(stream.attempts.map((a) => a.mode)).toEqual(['fresh', 'continue', 'continue']);
  });

  it('a non-retryable error inside the stream ends it at once, with the partial text', async () => {
    server.script({ stream: { kind: 'error', afterEvents: 4, errorType: 'invalid_request_error' } });
    const { client } = streamClient(server.url);
    const stream = client.messages.stream(params);
    const error = (await collect(stream)).error as StreamInterruptedError;
    expect(error).toMatchObject({
      kind: 'client_error',
      retryable: false,
      errorType: 'invalid_request_error',
    });
    expect(error.partialText.length).toBeGreaterThan(0);
    expect(server.stats.requests).toBe(1);
  });
});

describe('continue: the fine print', () => {
  it('keeps continuing when the next attempt is refused before its 200', async () => {
    const { client, clock } = streamClient(server.url);
    server.script({ stream: { kind: 'error', afterEvents: 4 } }, { status: 529 });
    const stream = client.messages.stream(params, { onInterrupt: 'continue' });
    const retries: [string, boolean][] = [];
    stream.on('retry', (r) => retries.push([r.action, r.midStream]));
    expect(await stream.finalText()).toBe(FULL);
    expect(retries).toEqual([
      ['continue', true],
      ['continue', false],
    ]);
    expect(stream.attempts.map((a) => [a.mode, a.outcome])).toEqual([
      ['fresh', 'interrupted'],
      ['continue', 'failed'],
      ['continue', 'completed'],
    ]);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('falls back to restart when the request enables extended thinking', async () => {
    const { stream, restarts, error } = await run(AFTER_TWO_DELTAS.error as StreamInterruption, 'continue', {
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(error).toBeUndefined();
    expect(restarts.map((r) => [r.fallbackFrom, r.reason])).toEqual([['continue', 'overloaded']]);
    expect(stream.attempts.map((a) => a.mode)).toEqual(['fresh', 'fresh']);
  });

  it('trims trailing whitespace from the prefill (the API refuses it) and keeps the text exact', async () => {
    const echo = ask('echo: alpha beta gamma delta epsilon zeta   ');
    const { client } = streamClient(server.url);
    server.script({ stream: { kind: 'error', afterEvents: 4 } });
    const stream = client.messages.stream(echo, { onInterrupt: 'continue' });
    const { events } = await collect(stream);
    expect(deltaTexts(events)).toEqual(['alpha beta gamma', ' delta epsilon zeta   ']);
    expect(await stream.finalText()).toBe('alpha beta gamma delta epsilon zeta   ');
    expect(stream.attempts.map((a) => [a.mode, a.outcome])).toEqual([
      ['fresh', 'interrupted'],
      ['continue', 'completed'],
    ]);
  });
});

describe('a connection cut at a byte, inside an event or a character', () => {
  const echo = ask('echo: Grüße aus Köln, naïve café ☕ déjà vu 🎉 encore une fois, merci beaucoup');
  const expected = 'Grüße aus Köln, naïve café ☕ déjà vu 🎉 encore une fois, merci beaucoup';

  /** The byte offset, in the uninterrupted stream, of the middle of the 🎉 (a 4-byte character). */
  async function byteInsideEmoji(): Promise<number> {
    const response = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test-stream-key-0001' },
      body: JSON.stringify({ ...echo, stream: true }),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    server.resetStats();
    return bytes.indexOf(Buffer.from('🎉')) + 2;
  }

  it.each(['restart', 'continue'] as const)('%s: the final text is exact', async (onInterrupt) => {
    const at = await byteInsideEmoji();
    const { client } = streamClient(server.url);
    server.script({ stream: { kind: 'reset', afterBytes: at } });
    const stream = client.messages.stream(echo, { onInterrupt });
    expect(await stream.finalText()).toBe(expected);
    expect(stream.attempts.map((a) => a.outcome)).toEqual(['interrupted', 'completed']);
    expect(server.stats.resets).toBe(1);
  });

  it('fail: the partial text holds only whole events, no broken character', async () => {
    const at = await byteInsideEmoji();
    const { client } = streamClient(server.url);
    server.script({ stream: { kind: 'reset', afterBytes: at } });
    const error = (await collect(client.messages.stream(echo, { onInterrupt: 'fail' })))
      .error as StreamInterruptedError;
    expect(error.partialText.length).toBeGreaterThan(0);
    expect(expected.startsWith(error.partialText)).toBe(true);
    expect(error.partialText).not.toContain('\uFFFD');
    expect(error.partialText).not.toContain('🎉');
  });
});
