import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { classifyError } from './classify.js';

const now = Date.parse('2026-12-04T12:00:00Z');
const apiError = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(
    status,
    { type: 'error', error: { type: 'x', message: 'm' } },
    undefined,
    new Headers(headers),
  );
/** What the SDK throws for an `event: error` inside a 200 stream: no status, a type. */
const streamError = (type: string) =>
  new APIError(
    undefined,
    { type: 'error', error: { type, message: 'm' } },
    undefined,
    new Headers(),
    type as 'api_error',
  );

describe('classifyError', () => {
  it.each([
    [408, true, 'timeout'],
    [409, true, 'conflict'],
    [429, true, 'rate_limit'],
    [500, true, 'server_error'],
    [502, true, 'server_error'],
    [503, true, 'server_error'],
    [504, true, 'server_error'],
    [529, true, 'overloaded'],
    [501, false, 'client_error'],
    [400, false, 'client_error'],
    [401, false, 'client_error'],
    [403, false, 'client_error'],
    [404, false, 'client_error'],
    [413, false, 'client_error'],
  ])('HTTP %i -> retryable %s (%s)', (status, retryable, kind) => {
    expect(classifyError(apiError(status), now)).toMatchObject({ retryable, kind, status });
  });

  it('obeys x-should-retry both ways', () => {
    expect(classifyError(apiError(400, { 'x-should-retry': 'true' }), now).retryable).toBe(true);
    expect(classifyError(apiError(529, { 'x-should-retry': 'false' }), now).retryable).toBe(false);
  });

  it('reads the retry-after hint and the request id', () => {
    const verdict = classifyError(apiError(429, { 'retry-after': '2', 'request-id': 'req_abc' }), now);
    expect(verdict.retryAfterMs).toBe(2000);
    expect(verdict.requestId).toBe('req_abc');
  });

  it('retries connection errors, timeouts and raw socket errors', () => {
    expect(classifyError(new APIConnectionError({ message: 'x' }), now)).toMatchObject({
      retryable: true,
      kind: 'connection',
    });
    expect(classifyError(new APIConnectionTimeoutError(), now)).toMatchObject({
      retryable: true,
      kind: 'timeout',
    });
    const raw = new TypeError('fetch failed', {
      cause: Object.assign(new Error('socket'), { code: 'ECONNRESET' }),
    });
    expect(classifyError(raw, now)).toMatchObject({ retryable: true, kind: 'connection' });
  });

  it('retries retryable error types that arrive inside a 200 stream, not others', () => {
    expect(classifyError(streamError('overloaded_error'), now)).toMatchObject({
      retryable: true,
      kind: 'overloaded',
    });
    expect(classifyError(streamError('invalid_request_error'), now).retryable).toBe(false);
  });

  it('never retries aborts or unknown errors', () => {
    expect(classifyError(new APIUserAbortError(), now)).toMatchObject({ retryable: false, kind: 'aborted' });
    expect(classifyError(new DOMException('x', 'AbortError'), now)).toMatchObject({
      retryable: false,
      kind: 'aborted',
    });
    expect(classifyError(new RangeError('bug'), now)).toMatchObject({ retryable: false, kind: 'unknown' });
  });
});
