import type { ServerResponse } from 'node:http';
import type { Clock } from '../internal/clock.js';
import { countStatus, defaultMessageFor } from './http-io.js';
import type { Reply } from './replies.js';
import { countTokens } from './replies.js';
import type { MockServerStats, StreamInterruption } from './types.js';

/** Splits text into deltas of a few words each; joined back they give the text exactly. */
export function splitIntoChunks(text: string, wordsPerChunk = 3): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) {
    chunks.push(words.slice(i, i + wordsPerChunk).join(''));
  }
  const rest = text.slice(chunks.join('').length);
  if (rest !== '') {
    if (chunks.length === 0) chunks.push(rest);
    else chunks[chunks.length - 1] += rest;
  }
  return chunks;
}

export interface SseEvent {
  name: string;
  data: Record<string, unknown>;
  /** The text this event adds to the answer. */
  text?: string;
}

/** The events of a one-block text answer, in the documented order (ping after content_block_start). */
export function messageEvents(id: string, model: string, reply: Reply): SseEvent[] {
  const usage = {
    input_tokens: reply.inputTokens,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  };
  return [
    { name: 'message_start', data: { type: 'message_start', message } },
    {
      name: 'content_block_start',
      data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    },
    { name: 'ping', data: { type: 'ping' } },
    ...splitIntoChunks(reply.text).map((text) => ({
      name: 'content_block_delta',
      data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
      text,
    })),
    { name: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    {
      name: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence },
        usage: { output_tokens: reply.outputTokens },
      },
    },
    { name: 'message_stop', data: { type: 'message_stop' } },
  ];
}

export function formatEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface StreamPlan {
  id: string;
  model: string;
  reply: Reply;
  headers: Record<string, string>;
  clock: Clock;
  chunkDelayMs: number;
  interruption: StreamInterruption | undefined;
  stats: MockServerStats;
}

/** How a stream ended and how many output tokens the client received. */
export interface StreamResult {
  outcome: 'completed' | 'interrupted' | 'client-closed';
  outputTokens: number;
}

/** Resolves when the response is closed (by the client, a reset or the server shutting down). */
function closed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => (res.destroyed || res.closed ? resolve() : res.once('close', resolve)));
}

/**
 * Writes a 200 event stream, pacing deltas with `chunkDelayMs` on the injected clock, and applies
 * the interruption if any. Interruptions count events without pings and are capped so that
 * `message_stop` is never sent.
 */
export async function writeStream(res: ServerResponse, plan: StreamPlan): Promise<StreamResult> {
  const { stats, interruption } = plan;
  const events = messageEvents(plan.id, plan.model, plan.reply);
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  res.on('error', () => {});
  res.writeHead(200, {
    ...plan.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  res.flushHeaders();
  countStatus(stats, 200);

  const countable = events.filter((event) => event.name !== 'ping').length;
  const interruptAt =
    interruption && interruption.afterBytes === undefined
      ? Math.min(interruption.afterEvents ?? 3, countable - 1)
      : -1;
  let written = 0;
  let sentText = '';
  let deltas = 0;
  const result = (outcome: StreamResult['outcome']): StreamResult => ({
    outcome,
    outputTokens: outcome === 'completed' ? plan.reply.outputTokens : countTokens(sentText),
  });

  const frames = events.map((event) => Buffer.from(formatEvent(event.name, event.data)));
  const totalBytes = frames.reduce((sum, frame) => sum + frame.length, 0);
  const cutAtByte =
    interruption?.afterBytes === undefined ? -1 : Math.min(interruption.afterBytes, totalBytes - 1);
  let bytes = 0;
  // Resolves once everything written so far has left the process, so a reset cuts after it, not before.
  let flushed = Promise.resolve();
  const send = (chunk: Buffer) => {
    flushed = new Promise((resolve) => res.write(chunk, () => resolve()));
    bytes += chunk.length;
  };

  for (const [i, event] of events.entries()) {
    const frame = frames[i] as Buffer;
    if (interruption && (written === interruptAt || (cutAtByte >= 0 && bytes + frame.length > cutAtByte))) {
      if (cutAtByte > bytes && !res.destroyed) send(frame.subarray(0, cutAtByte - bytes));
      // A write to a socket the client already closed never calls back: stop waiting at the close.
      await Promise.race([flushed, closed(res)]);
      return interrupt(res, interruption, stats, result);
    }
    if (event.text !== undefined && deltas++ > 0 && plan.chunkDelayMs > 0) {
      try {
        await plan.clock.sleep(plan.chunkDelayMs, gone.signal);
      } catch {
        return result('client-closed');
      }
    }
    if (res.destroyed) return result('client-closed');
    send(frame);
    if (event.text !== undefined) sentText += event.text;
    if (event.name !== 'ping') written++;
  }
  res.end();
  stats.succeeded++;
  return result('completed');
}

async function interrupt(
  res: ServerResponse,
  interruption: StreamInterruption,
  stats: MockServerStats,
  result: (outcome: StreamResult['outcome']) => StreamResult,
): Promise<StreamResult> {
  stats.streamInterruptions++;
  if (interruption.kind === 'error') {
    const type = interruption.errorType ?? 'overloaded_error';
    res.end(formatEvent('error', { type: 'error', error: { type, message: defaultMessageFor(type) } }));
  } else if (interruption.kind === 'reset') {
    stats.resets++;
    res.socket?.destroy();
  } else {
    await closed(res);
  }
  return result('interrupted');
}
