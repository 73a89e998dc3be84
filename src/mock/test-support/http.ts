/** Small helpers for tests that talk to the simulator over real HTTP with global `fetch`. */

export const TEST_KEY = 'sk-test-key-123';

export interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary event payloads.
  data: any;
}

/** POSTs JSON with `x-api-key` unless other headers are given. */
export function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = { 'x-api-key': TEST_KEY },
  init: RequestInit = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

/** A minimal Messages body. */
export function ask(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'claude-test', max_tokens: 1000, messages: [{ role: 'user', content: text }], ...extra };
}

/** Parses a complete `text/event-stream` body into its events. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? '';
      const data = lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? 'null';
      return { event, data: JSON.parse(data) };
    });
}

/** The text of a stream's deltas, joined. */
export function streamedText(events: readonly SseEvent[]): string {
  return events
    .filter((e) => e.event === 'content_block_delta')
    .map((e) => e.data.delta.text as string)
    .join('');
}

/**
 * Reads a streamed body until `count` events arrived (or the stream ends), then aborts the request.
 * For stalled streams, which never end on their own.
 */
export async function readEvents(
  response: Response,
  count: number,
  abort: AbortController,
): Promise<SseEvent[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const events = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2));
    if (events.length >= count) {
      abort.abort();
      return events;
    }
    const { done, value } = await reader.read();
    if (done) return parseSse(text);
    text += decoder.decode(value, { stream: true });
  }
}

/** The JSON body of a response, untyped for terse assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON bodies.
export function json(response: Response): Promise<any> {
  return response.json();
}
