import { readFile, stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runBatch } from '../src/batch/runner.js';
import {
  linesPerId,
  readResults,
  requestLines,
  type TempDir,
  tempDir,
} from '../src/batch/test-support/fixtures.js';
import type { BatchEvent, BatchOptions } from '../src/batch/types.js';
import { type ClientOptions, createClient } from '../src/client/create-client.js';
import type { Pacer } from '../src/client/pacer.js';
import { VirtualClock } from '../src/internal/test-support/virtual-clock.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../src/mock/index.js';

const KEY = 'sk-test-batch-key-0001';
const MODEL = 'claude-sonnet-4-20250514';

let dir: TempDir;
let server: MockServer | undefined;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dir.remove();
});

/**
 * A pacer that never holds a request back. Tests of the runner's own pool use it, so that what they
 * count (requests in flight, 429s) does not depend on the default pacer's slow start.
 */
const unpaced: Pacer = { acquire: async () => ({ settle: () => {} }) };

/** The simulated API and a client on it sharing one virtual clock: retry waits take no real time. */
async function setup(
  serverOptions: MockServerOptions = {},
  retry: Record<string, unknown> = {},
  clientOptions: Partial<ClientOptions> = {},
) {
  const clock = new VirtualClock();
  server = await startMockServer({ clock, ...serverOptions });
  const client = createClient({
    apiKey: KEY,
    baseURL: server.url,
    clock,
    retry: { clock, random: () => 0.5, baseDelay: 100, ...retry },
    ...clientOptions,
  });
  return { client, server, clock };
}

function options(extra: Partial<BatchOptions> & Pick<BatchOptions, 'client'>): BatchOptions {
  return {
    input: dir.file('input.jsonl'),
    output: dir.file('results.jsonl'),
    defaults: { model: MODEL, maxTokens: 50 },
    concurrency: 4,
    ...extra,
  };
}

describe('runBatch against the simulated API', () => {
  it('writes one Message Batches result line per custom_id, with our facts beside the documented fields', async () => {
    const { client } = await setup();
    await dir.write('input.jsonl', requestLines(12));
    const summary = await runBatch(options({ client }));
    expect(summary).toMatchObject({
      ended: 'completed',
      succeeded: 12,
      errored: 0,
      retries: 0,
      compacted: false,
    });
    const results = await readResults(dir.file('results.jsonl'));
    expect([...linesPerId(results).values()]).toEqual(Array(12).fill(1));
    const first = results.find((r) => r.custom_id === 'r001');
    expect(Object.keys(first ?? {})).toEqual(['custom_id', 'result', 'claude_retry']);
    expect(first?.result.type).toBe('succeeded');
    expect(first?.result.message.content).toEqual([{ type: 'text', text: 'reply r001' }]);
    expect(first?.claude_retry).toMatchObject({ attempts: 1, line: 1 });
    expect(first?.claude_retry.request_id).toMatch(/^req_/);
    expect(summary.inputTokens).toBe(results.reduce((n, r) => n + r.result.message.usage.input_tokens, 0));
    expect(await readFile(dir.file('results.jsonl'), 'utf8')).not.toContain(KEY);
  });

  const faulty: MockServerOptions = {
    limits: { rpm: 600 },
    faults: { overloadWindows: [{ startMs: 0, endMs: 3000 }], errorRate: 0.15, resetRate: 0.1 },
    seed: 7,
  };

  it('survives 429s, a 529 window, 500s and connection resets: every id ends with exactly one line', async () => {
    const { client, server } = await setup(faulty, { maxAttempts: 15 }, { pacer: unpaced });
    await dir.write('input.jsonl', requestLines(60));
    const summary = await runBatch(options({ client, concurrency: 8 }));
    const results = await readResults(dir.file('results.jsonl'));
    expect(results).toHaveLength(60);
    expect([...linesPerId(results).values()].every((n) => n === 1)).toBe(true);
    expect(summary.succeeded).toBe(60);
    expect(results.every((r) => r.result.type === 'succeeded')).toBe(true);
    expect(server.stats.overloaded).toBeGreaterThan(0);
    expect(server.stats.rateLimited).toBeGreaterThan(0);
    expect(server.stats.resets).toBeGreaterThan(0);
    expect(server.stats.byStatus[500]).toBeGreaterThan(0);
    expect(summary.retries).toBe(server.stats.requests - 60);
    expect(summary.rateLimited).toBe(server.stats.rateLimited);
    expect(results.some((r) => r.claude_retry.attempts > 1)).toBe(true);
  });

  it('with the default pacing, the same faults also end with exactly one succeeded line per id', async () => {
    const { client } = await setup(faulty, { maxAttempts: 15 });
    await dir.write('input.jsonl', requestLines(60));
    const summary = await runBatch(options({ client, concurrency: 8 }));
    const results = await readResults(dir.file('results.jsonl'));
    expect(summary.succeeded).toBe(60);
    expect([...linesPerId(results).values()]).toEqual(Array(60).fill(1));
  });

  it('resumes after a crash: skips what succeeded, cuts the torn line off and sends only the rest', async () => {
    const { client, server } = await setup();
    await dir.write('input.jsonl', requestLines(10));
    await runBatch(options({ client }));
    // A crash after 6 whole lines, in the middle of writing the 7th.
    const lines = (await readFile(dir.file('results.jsonl'), 'utf8')).split('\n');
    const kept = `${lines.slice(0, 6).join('\n')}\n`;
    await writeFile(dir.file('results.jsonl'), kept + lines[6]?.slice(0, 40));
    server.resetStats();

    const summary = await runBatch(options({ client }));
    expect(summary).toMatchObject({
      ended: 'completed',
      succeeded: 4,
      skipped: { succeeded: 6, errored: 0 },
      repaired: { line: 7, bytes: 40 },
    });
    expect(server.stats.requests).toBe(4);
    const text = await readFile(dir.file('results.jsonl'), 'utf8');
    expect(text.startsWith(kept)).toBe(true);
    const results = await readResults(dir.file('results.jsonl'));
    const ids = Array.from({ length: 10 }, (_, i) => `r${String(i + 1).padStart(3, '0')}`);
    expect([...linesPerId(results).keys()].sort()).toEqual(ids);
    expect([...linesPerId(results).values()].every((n) => n === 1)).toBe(true);
  });

  it('records bad lines as invalid_request_error results, runs the rest, and never runs a duplicate id', async () => {
    const { client, server } = await setup();
    const input = [
      '{"custom_id":"a","prompt":"echo: one"}',
      'this is not json',
      '{"custom_id":"a","prompt":"echo: again"}',
      '{"params":{"messages":[{"role":"user","content":"x"}]}}',
      '{"custom_id":"b","params":{"messages":[{"role":"system","content":"x"}]}}',
      '{"custom_id":"c","prompt":"echo: three"}',
    ].join('\n');
    await dir.write('input.jsonl', input);
    const events: BatchEvent[] = [];
    const summary = await runBatch(options({ client, onEvent: (e) => events.push(e) }));
    expect(summary).toMatchObject({ succeeded: 2, errored: 3, invalid: 3, duplicates: 1 });
    expect(server.stats.requests).toBe(2);
    const problems = events.flatMap((e) => (e.type === 'problem' ? [[e.line, e.customId, e.duplicate]] : []));
    expect(problems.sort()).toEqual([
      [2, 'line-000002', false],
      [3, 'a', true],
      [4, 'line-000004', false],
      [5, 'b', false],
    ]);
    const results = await readResults(dir.file('results.jsonl'));
    const byId = new Map(results.map((r) => [r.custom_id, r]));
    expect(results).toHaveLength(5);
    expect(byId.get('a')?.result.message.content[0].text).toBe('one');
    expect(byId.get('line-000002')?.result.error).toEqual({
      type: 'invalid_request_error',
      message: `Input line 2: not valid JSON (Unexpected token 'h', "this is not json" is not valid JSON)`,
    });
    expect(byId.get('b')?.result.error.message).toBe(
      'Input line 5: params.messages[0].role must be "user" or "assistant", got "system" (a system prompt goes in params.system)',
    );
    expect(byId.get('b')?.claude_retry).toEqual({ attempts: 0, line: 5, retryable: false });
  });

  it('retries errored ids only with retryErrored, and the file still has one line per id', async () => {
    const { client, server } = await setup({}, { maxAttempts: 1 });
    await dir.write('input.jsonl', requestLines(5));
    server.script({ status: 500 }, { status: 500 });
    const first = await runBatch(options({ client, concurrency: 1 }));
    expect(first).toMatchObject({ succeeded: 3, errored: 2 });
    const errored = (await readResults(dir.file('results.jsonl'))).filter((r) => r.result.type === 'errored');
    expect(errored.map((r) => [r.custom_id, r.result.error.type, r.claude_retry.retryable])).toEqual([
      ['r001', 'api_error', true],
      ['r002', 'api_error', true],
    ]);

    server.resetStats();
    const plain = await runBatch(options({ client }));
    expect(plain).toMatchObject({ succeeded: 0, errored: 0, skipped: { succeeded: 3, errored: 2 } });
    expect(server.stats.requests).toBe(0);

    const retried = await runBatch(options({ client, retryErrored: true }));
    expect(retried).toMatchObject({ succeeded: 2, skipped: { succeeded: 3, errored: 0 }, compacted: true });
    expect(server.stats.requests).toBe(2);
    const results = await readResults(dir.file('results.jsonl'));
    expect(results).toHaveLength(5);
    expect(results.every((r) => r.result.type === 'succeeded')).toBe(true);
    expect([...linesPerId(results).values()]).toEqual([1, 1, 1, 1, 1]);
  });

  it('reads stdin when the input is -, also with strict (stdin is spooled to a temporary file)', async () => {
    const { client, server } = await setup();
    const stdin = () => Readable.from([Buffer.from(requestLines(3))]);
    const summary = await runBatch(options({ client, input: '-', stdin: stdin() }));
    expect(summary.succeeded).toBe(3);
    await writeFile(dir.file('results.jsonl'), '');
    const strict = await runBatch(options({ client, input: '-', stdin: stdin(), strict: true }));
    expect(strict.succeeded).toBe(3);
    expect(server.stats.requests).toBe(6);
  });

  it('with strict, lists every bad line and sends nothing', async () => {
    const { client, server } = await setup();
    await dir.write('input.jsonl', `${requestLines(3)}oops\n{"custom_id":"r001","prompt":"x"}\n`);
    await expect(runBatch(options({ client, strict: true }))).rejects.toThrow(
      `--strict: 2 of 5 lines in ${dir.file('input.jsonl')} are bad, so nothing was sent:\n` +
        '  line 4: not valid JSON',
    );
    await expect(runBatch(options({ client, strict: true }))).rejects.toThrow(
      '  line 5: custom_id "r001" is already used on line 1; this line was not run.',
    );
    expect(server.stats.requests).toBe(0);
    await expect(stat(dir.file('results.jsonl'))).rejects.toThrow('ENOENT');
  });

  it('stops when the key is refused (401) instead of recording every line as errored', async () => {
    const { client } = await setup({ apiKeys: ['sk-test-the-right-key'] });
    await dir.write('input.jsonl', requestLines(20));
    await expect(runBatch(options({ client }))).rejects.toMatchObject({ status: 401 });
    expect(await readFile(dir.file('results.jsonl'), 'utf8')).toBe('');
    await expect(stat(dir.file('results.jsonl.lock'))).rejects.toThrow('ENOENT');
  });
});

describe('runBatch stopping', () => {
  /** A server whose answers wait for `clock.advance()`: requests stay in flight until we say. */
  async function heldServer() {
    const clock = new VirtualClock({ auto: false });
    server = await startMockServer({ clock, latencyMs: 1000 });
    const client = createClient({ apiKey: KEY, baseURL: server.url, pacer: unpaced });
    return { client, clock, server };
  }

  it('on stopSignal, starts no new line, records those in flight, and a second run finishes', async () => {
    const { client, clock, server } = await heldServer();
    await dir.write('input.jsonl', requestLines(10));
    const stop = new AbortController();
    const running = runBatch(options({ client, concurrency: 3, stopSignal: stop.signal }));
    await vi.waitFor(() => expect(server.stats.requests).toBe(3));
    stop.abort();
    await clock.advance(1000);
    const summary = await running;
    expect(summary).toMatchObject({ ended: 'stopped', succeeded: 3, interrupted: 0 });
    expect(server.stats.requests).toBe(3);
    expect(await readResults(dir.file('results.jsonl'))).toHaveLength(3);

    const resumed = runBatch(options({ client, concurrency: 3 }));
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => expect(server.stats.requests).toBe(Math.min(10, 6 + 3 * i)));
      await clock.advance(1000);
    }
    await vi.waitFor(() => expect(server.stats.requests).toBe(10));
    await clock.advance(1000);
    expect(await resumed).toMatchObject({
      ended: 'completed',
      succeeded: 7,
      skipped: { succeeded: 3, errored: 0 },
    });
    expect([...linesPerId(await readResults(dir.file('results.jsonl'))).values()]).toEqual(Array(10).fill(1));
  });

  it('on signal, aborts the requests in flight and records none of them', async () => {
    const { client, server } = await heldServer();
    await dir.write('input.jsonl', requestLines(10));
    const abort = new AbortController();
    const running = runBatch(options({ client, concurrency: 3, signal: abort.signal }));
    await vi.waitFor(() => expect(server.stats.requests).toBe(3));
    abort.abort();
    expect(await running).toMatchObject({ ended: 'aborted', succeeded: 0, errored: 0, interrupted: 3 });
    expect(await readFile(dir.file('results.jsonl'), 'utf8')).toBe('');
  });
});

describe('runBatch refuses bad paths before writing anything', () => {
  it.each([
    [
      'a missing input',
      'nope.jsonl',
      'results.jsonl',
      /^Input file not found: .*nope\.jsonl\. Check the path/,
    ],
    [
      'an output in a missing folder',
      'input.jsonl',
      'missing/results.jsonl',
      /^The folder for the results file does not exist: .*missing\. Create it/,
    ],
    [
      'the input as output',
      'input.jsonl',
      'input.jsonl',
      /^The results file is the input file \(.*input\.jsonl\)/,
    ],
    ['a folder as output', 'input.jsonl', '.', /is a folder; give a file name such as results\.jsonl\.$/],
    ['stdout as output', 'input.jsonl', '-', /^The results must go to a file \(-o results\.jsonl\)/],
  ])('%s', async (_, input, output, message) => {
    const client = createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9' });
    await dir.write('input.jsonl', requestLines(2));
    const before = await readFile(dir.file('input.jsonl'), 'utf8');
    await expect(runBatch({ input, output, cwd: dir.path, client })).rejects.toThrow(message);
    expect(await readFile(dir.file('input.jsonl'), 'utf8')).toBe(before);
    await expect(stat(dir.file('results.jsonl'))).rejects.toThrow('ENOENT');
  });

  it('checks concurrency', async () => {
    const client = createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9' });
    await expect(runBatch({ input: 'x', output: 'y', client, concurrency: 0 })).rejects.toThrow(
      'Invalid batch option `concurrency`: expected a whole number >= 1, got 0.',
    );
  });
});
