import { describe, expect, it } from 'vitest';
import { erroredLine, succeededLine } from '../batch/result-lines.js';
import { batchKeyFor, isBatchJobData, isValidQueueName, jobIdFor, readJobResult } from './jobs.js';

const PARAMS = { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const MESSAGE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-x',
  content: [{ type: 'text', text: 'hello' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 1 },
  // biome-ignore lint/suspicious/noExplicitAny: a minimal message is enough for a result line.
} as any;

function result(customId: string, overrides: Record<string, unknown> = {}) {
  return {
    v: 1,
    customId,
    outcome: 'succeeded',
    resultLine: succeededLine(customId, MESSAGE, { attempts: 1, line: 1 }),
    retries: 2,
    rateLimited: 1,
    inputTokens: 3,
    outputTokens: 1,
    ...overrides,
  };
}

describe('job ids', () => {
  it('are the same for the same batch, id and request, so enqueueing again is a no-op', () => {
    const batch = batchKeyFor('/data/results.jsonl');
    expect(batchKeyFor('/data/results.jsonl')).toBe(batch);
    expect(batch).toMatch(/^[0-9a-f]{16}$/);
    const id = jobIdFor(batch, 'a1', PARAMS);
    expect(id).toMatch(/^cr-[0-9a-f]{40}$/);
    expect(jobIdFor(batch, 'a1', { ...PARAMS })).toBe(id);
  });

  it('differ when the batch, the custom_id or the request differs', () => {
    const batch = batchKeyFor('/data/results.jsonl');
    const id = jobIdFor(batch, 'a1', PARAMS);
    expect(jobIdFor(batchKeyFor('/data/other.jsonl'), 'a1', PARAMS)).not.toBe(id);
    expect(jobIdFor(batch, 'a2', PARAMS)).not.toBe(id);
    expect(jobIdFor(batch, 'a1', { ...PARAMS, max_tokens: 11 })).not.toBe(id);
  });
});

describe('job data and results', () => {
  it('recognises our job data and nothing else', () => {
    expect(isBatchJobData({ v: 1, batch: 'b', customId: 'a', line: 1, params: PARAMS })).toBe(true);
    expect(isBatchJobData({ v: 2, batch: 'b', customId: 'a', line: 1, params: PARAMS })).toBe(false);
    expect(isBatchJobData({ v: 1, batch: 'b', customId: 'a', line: 1, params: [] })).toBe(false);
    expect(isBatchJobData({ email: 'x@example.com' })).toBe(false);
  });

  it('reads a worker result, as an object or as JSON text', () => {
    const expected = { ...result('a1'), outcome: 'succeeded' };
    expect(readJobResult(result('a1'), 'a1')).toEqual(expected);
    expect(readJobResult(JSON.stringify(result('a1')), 'a1')).toEqual(expected);
    const errored = result('a1', {
      outcome: 'errored',
      resultLine: erroredLine('a1', { type: 'api_error', message: 'boom' }, { attempts: 3, line: 1 }),
    });
    expect(readJobResult(errored, 'a1')).toMatchObject({ outcome: 'errored', retries: 2 });
  });

  it('refuses a result that is not for this custom_id or not ours, saying why', () => {
    expect(readJobResult(result('a2'), 'a1')).toBe(
      'the worker returned a result line that is not for custom_id "a1"',
    );
    expect(readJobResult({ ...result('a1'), customId: 'a2' }, 'a1')).toBe(
      'the worker returned a result line that is not for custom_id "a1"',
    );
    expect(readJobResult(result('a1', { outcome: 'errored' }), 'a1')).toBe(
      'the worker returned a result line whose outcome does not match',
    );
    expect(readJobResult('not json', 'a1')).toBe(
      'the worker returned something that is not a claude-retry result (is it the same version?)',
    );
    expect(readJobResult(null, 'a1')).toBe(
      'the worker returned something that is not a claude-retry result (is it the same version?)',
    );
  });

  it('counts only sensible numbers', () => {
    expect(readJobResult(result('a1', { retries: -1, rateLimited: 'x' }), 'a1')).toMatchObject({
      retries: 0,
      rateLimited: 0,
    });
  });

  it('accepts queue names BullMQ can use', () => {
    expect(isValidQueueName('claude-retry')).toBe(true);
    expect(isValidQueueName('batch_2.eu')).toBe(true);
    expect(isValidQueueName('a:b')).toBe(false);
    expect(isValidQueueName('')).toBe(false);
  });
});
