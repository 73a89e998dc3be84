import { AnthropicError, APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { RetryError } from '../errors.js';
import { describeFailure, erroredLine } from './result-lines.js';

const KEY = 'sk-test-secret-key-99';

function apiError(status: number, type: string, message: string): APIError {
  const headers = new Headers({ 'request-id': 'req_123' });
  return APIError.generate(status, { type: 'error', error: { type, message } }, undefined, headers);
}

describe('describeFailure', () => {
  it('keeps the API error type and message of a refused request, with its request id', () => {
    expect(describeFailure(apiError(400, 'invalid_request_error', 'max_tokens: too big'), [])).toMatchObject({
      type: 'invalid_request_error',
      message: 'max_tokens: too big',
      retryable: false,
      requestId: 'req_123',
      status: 400,
    });
  });

  it('for a give-up after retries, says why and quotes the last answer', () => {
    const cause = apiError(529, 'overloaded_error', 'Overloaded');
    const error = new RetryError('Gave up after 5 attempts; the last failure was HTTP 529 (overloaded).', {
      reason: 'attempts-exhausted',
      attempts: 5,
      cause,
    });
    expect(describeFailure(error, [])).toMatchObject({
      type: 'overloaded_error',
      message:
        'Gave up after 5 attempts; the last failure was HTTP 529 (overloaded). The API said: Overloaded',
      retryable: true,
    });
  });

  it('names failures without an error body by their kind, and SDK refusals as invalid requests', () => {
    const connection = new RetryError('Gave up after 2 attempts; the last failure was connection.', {
      reason: 'attempts-exhausted',
      attempts: 2,
      cause: new APIConnectionError({ message: 'Connection error.' }),
    });
    expect(describeFailure(connection, []).type).toBe('api_error');
    expect(describeFailure(new AnthropicError('Streaming is required'), []).type).toBe(
      'invalid_request_error',
    );
  });

  it('never lets the API key into an error message', () => {
    const failure = describeFailure(new Error(`bad header Bearer ${KEY}`), [KEY]);
    expect(failure.message).toBe('bad header Bearer [redacted]');
    expect(erroredLine('a', failure, { attempts: 1, line: 1 })).not.toContain(KEY);
  });
});
