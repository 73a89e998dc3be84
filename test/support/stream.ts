/** Helpers for the streaming tests: a client on the simulated API whose retry waits take no time. */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { type ClientOptions, createClient, type StreamEvent, type StreamParams } from '../../src/index.js';
import { VirtualClock } from '../../src/internal/test-support/virtual-clock.js';

export const STREAM_KEY = 'sk-test-stream-key-0001';

export function streamClient(baseURL: string, more: Partial<ClientOptions> = {}) {
  const clock = new VirtualClock();
  const client = createClient({
    apiKey: STREAM_KEY,
    baseURL,
    clock,
    ...more,
    retry: { clock, random: () => 0.5, ...more.retry },
  });
  return { client, clock };
}

export function ask(content: string, extra: Partial<StreamParams> = {}): StreamParams {
  return { model: 'claude-test', max_tokens: 1000, messages: [{ role: 'user', content }], ...extra };
}

/** Event types as a compact string: `d` for a text delta, the type otherwise. */
export function shape(events: readonly StreamEvent[]): string {
  return events.map((e) => (e.type === 'content_block_delta' ? 'd' : e.type)).join(',');
}

/** What a consumer that honours `restart` ends up with: the text of the deltas after the last restart. */
export function consumerText(events: readonly StreamEvent[]): string {
  let text = '';
  for (const e of events) {
    if (e.type === 'restart') text = '';
    else if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
  }
  return text;
}

export async function collect(
  stream: AsyncIterable<StreamEvent>,
): Promise<{ events: StreamEvent[]; error: unknown }> {
  const events: StreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

export function textOf(message: Message): string {
  return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}
