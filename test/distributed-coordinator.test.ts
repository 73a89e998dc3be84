/**
 * The coordinator of `batch --queue` in this process, with in-process workers: resume, stop,
 * bad input, the key refused, and Redis unreachable at start. Real Redis, real BullMQ, the simulated
 * API over HTTP.
 */
import { stat, writeFile } from 'node:fs/promises';
import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  linesPerId,
  type ResultLine,
  readResults,
  requestLines,
  type TempDir,
  tempDir,
} from '../src/batch/test-support/fixtures.js';
import { runCli } from '../src/cli/program.js';
import { runDistributedBatch } from '../src/distributed/coordinator.js';
import { bullConnection } from '../src/distributed/redis.js';
import type { DistributedBatchEvent, DistributedBatchOptions } from '../src/distributed/types.js';
import { type BatchWorker, startBatchWorker } from '../src/distributed/worker.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { captureIO } from './support/io.js';
import { freePort } from './support/redis-pacing.js';
import { REDIS_URL, removeQueue, testQueue, uniqueQueueName } from './support/redis-queue.js';

const KEY = 'sk-test-distributed-coordinator-3';

let dir: TempDir;
let server: MockServer;
let queueName: string;
const workers: BatchWorker[] = [];
beforeEach(async () => {
  dir = await tempDir();
  server = await startMockServer();
  queueName = uniqueQueueName();
});
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.abort();
  await removeQueue(queueName);
  await server.close();
  await dir.remove();
});

async function worker(concurrency = 2, apiKey = KEY): Promise<BatchWorker> {
  const started = await startBatchWorker({
    queue: REDIS_URL,
    queueName,
    concurrency,
    clientOptions: { apiKey, baseURL: server.url, pacing: false },
  });
  workers.push(started);
  return started;
}

function coordinate(more: Partial<DistributedBatchOptions> & { input: string }) {
  return runDistributedBatch({
    output: dir.file('out.jsonl'),
    queue: REDIS_URL,
    queueName,
    defaults: { model: 'claude-test', maxTokens: 100 },
    ...more,
  });
}

function onePerId(results: ResultLine[]): boolean {
  return [...linesPerId(results).values()].every((n) => n === 1);
}

describe('Redis unreachable at start', () => {
  it('batch --queue and worker exit 2 with a clear message; nothing is read or written', async () => {
    const url = `redis://:pw-not-shown-9@127.0.0.1:${await freePort()}`;
    const shown = url.replace('pw-not-shown-9', '***');
    const input = await dir.write('in.jsonl', requestLines(2));
    const batchIO = captureIO();
    const started = Date.now();
    expect(await runCli(['batch', input, '-o', dir.file('out.jsonl'), '--queue', url], batchIO)).toBe(2);
    expect(batchIO.err()).toBe(
      `Error: Cannot reach Redis at ${shown}: connection refused (is Redis running on that host and port?). ` +
        'Start Redis (for example `redis-server`), or fix the URL given to --queue.\n',
    );
    await expect(stat(dir.file('out.jsonl'))).rejects.toThrow('ENOENT');
    const workerIO = captureIO({ ANTHROPIC_API_KEY: KEY });
    expect(await runCli(['worker', '--queue', url], workerIO)).toBe(2);
    expect(workerIO.err()).toBe(batchIO.err());
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('worker --redis (shared pacing) unreachable is the same clear error, before any job is taken', async () => {
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    const port = await freePort();
    const args = [
      'worker',
      '--queue',
      REDIS_URL,
      '--queue-name',
      queueName,
      '--redis',
      `redis://127.0.0.1:${port}`,
    ];
    expect(await runCli(args, io)).toBe(2);
    expect(io.err()).toMatch(
      new RegExp(
        `^Error: Cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .+\\. Start Redis or drop --redis\\.\\n$`,
      ),
    );
  });

  it('a URL that is not a Redis URL is a usage error too', async () => {
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    expect(await runCli(['worker', '--queue', 'localhost:6379'], io)).toBe(2);
    expect(io.err()).toBe(
      'Error: --queue expects a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "localhost:6379".\n',
    );
  });
});

describe('flags', () => {
  it.each([
    [['worker'], 2, "error: required option '--queue <url>' not specified"],
    [
      ['worker', '--queue', REDIS_URL, '-c', '0'],
      2,
      '--concurrency expects a whole number of 1 or more, got "0".',
    ],
    [
      ['worker', '--queue', REDIS_URL, '--lock-duration', 'soon'],
      2,
      '--lock-duration expects a number of seconds',
    ],
    [
      ['worker', '--queue', REDIS_URL, '--queue-name', 'a:b'],
      2,
      'Invalid queue name "a:b": use 1 to 100 letters',
    ],
    [
      ['batch', 'in.jsonl', '-o', 'out.jsonl', '--queue', REDIS_URL, '--local-workers', '0'],
      2,
      '--local-workers expects a whole number of 1 or more',
    ],
  ])('%j exits %i', async (args, code, message) => {
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    expect(await runCli(args, io)).toBe(code);
    expect(io.err()).toContain(message);
  });

  it('a worker needs an API key (exit 3); a coordinator without local workers does not', async () => {
    const io = captureIO();
    expect(await runCli(['worker', '--queue', REDIS_URL, '--queue-name', queueName], io)).toBe(3);
    expect(io.err()).toContain('No API key found.');
  });
});

describe('the coordinator', () => {
  it('records bad lines, refuses duplicate ids and skips recorded ids, like the single-process batch', async () => {
    await worker();
    const lines = [
      '{"custom_id":"a","params":{"messages":[{"role":"user","content":"echo: A"}]}}',
      '{"custom_id":"b","params":{"messages":[]}}',
      '{"custom_id":"a","params":{"messages":[{"role":"user","content":"echo: again"}]}}',
      '{"custom_id":"c","prompt":"echo: C"}',
      '{"custom_id":"done","prompt":"echo: never sent"}',
    ];
    const input = await dir.write('in.jsonl', `${lines.join('\n')}\n`);
    const output = dir.file('out.jsonl');
    const recorded =
      '{"custom_id":"done","result":{"type":"succeeded","message":{}},"claude_retry":{"attempts":1,"line":5}}\n';
    await writeFile(output, recorded);
    const io = captureIO();
    const code = await runCli(
      ['batch', input, '-o', output, '--queue', REDIS_URL, '--queue-name', queueName],
      io,
    );
    expect(code).toBe(7);
    expect(io.err()).toContain('line 2: params.messages is empty: give at least one message\n');
    expect(io.err()).toContain('line 3: custom_id "a" is already used on line 1; this line was not run.');
    expect(io.err()).toMatch(
      /2 succeeded, 1 errored \(1 bad input line\), 1 skipped \(already in out\.jsonl: 1 succeeded, 0 errored\), 1 duplicate custom_id line not run\./,
    );
    const results = await readResults(output);
    expect(results.map((r) => [r.custom_id, r.result.type]).sort()).toEqual([
      ['a', 'succeeded'],
      ['b', 'errored'],
      ['c', 'succeeded'],
      ['done', 'succeeded'],
    ]);
    expect(results.find((r) => r.custom_id === 'a')?.result.message.content[0].text).toBe('A');
    expect(server.stats.requests).toBe(2);
  });

  it('says how to start a worker when none is connected, and waits for one', async () => {
    const input = await dir.write('in.jsonl', requestLines(3));
    const events: DistributedBatchEvent[] = [];
    const run = coordinate({ input, onEvent: (event) => events.push(event) });
    await vi.waitFor(() => expect(events).toContainEqual({ type: 'workers', count: 0 }), { timeout: 5000 });
    await worker();
    const summary = await run;
    expect(summary).toMatchObject({ ended: 'completed', succeeded: 3, leftInQueue: 0, withdrawn: 0 });
  });

  it('after an abort, the jobs left in the queue are finished by workers and collected by the next run, not sent again', async () => {
    server.setFaults({ latencyMs: 150 });
    await worker(2);
    const input = await dir.write('in.jsonl', requestLines(12));
    const abort = new AbortController();
    let results = 0;
    const first = await coordinate({
      input,
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type === 'result' && ++results === 3) abort.abort();
      },
    });
    expect(first.ended).toBe('aborted');
    expect(first.succeeded).toBeGreaterThanOrEqual(3);
    expect(first.leftInQueue).toBe(12 - first.succeeded);
    // The workers go on without the coordinator.
    const queue = testQueue(queueName);
    await vi.waitFor(
      async () => expect(await queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 }),
      {
        timeout: 10_000,
      },
    );
    await queue.close();
    expect(server.stats.requests).toBe(12);

    const second = await coordinate({ input, sweepIntervalMs: 100 });
    expect(second).toMatchObject({ ended: 'completed', succeeded: 12 - first.succeeded, requeued: 0 });
    const lines = await readResults(dir.file('out.jsonl'));
    expect(lines).toHaveLength(12);
    expect(onePerId(lines)).toBe(true);
    expect(server.stats.requests).toBe(12);
  });

  it('a graceful stop takes the unstarted jobs back out of the queue and waits for those in flight', async () => {
    server.setFaults({ latencyMs: 200 });
    await worker(2);
    const input = await dir.write('in.jsonl', requestLines(10));
    const stop = new AbortController();
    let results = 0;
    const first = await coordinate({
      input,
      stopSignal: stop.signal,
      onEvent: (event) => {
        if (event.type === 'result' && ++results === 2) stop.abort();
      },
    });
    expect(first.ended).toBe('stopped');
    expect(first.withdrawn).toBeGreaterThan(0);
    expect(first.succeeded + first.withdrawn).toBe(10);
    expect(server.stats.requests).toBe(first.succeeded);
    const queue = testQueue(queueName);
    expect(await queue.getJobCounts('waiting', 'active', 'completed')).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
    });
    await queue.close();

    const second = await coordinate({ input });
    expect(second).toMatchObject({ ended: 'completed', succeeded: first.withdrawn });
    expect(onePerId(await readResults(dir.file('out.jsonl')))).toBe(true);
    expect(server.stats.requests).toBe(10);
  });

  it('a job that fails in a worker, or returns something foreign, becomes an errored worker_error line; --retry-errored sends it again', async () => {
    let calls = 0;
    const rogue = new Worker(
      queueName,
      async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return { hello: 'not a result' };
      },
      { connection: bullConnection(REDIS_URL), concurrency: 1 },
    );
    rogue.on('error', () => {});
    const input = await dir.write('in.jsonl', requestLines(2));
    const first = await coordinate({ input });
    await rogue.close();
    expect(first).toMatchObject({ ended: 'completed', succeeded: 0, errored: 2, workerFailures: 2 });
    const errors = (await readResults(dir.file('out.jsonl'))).map((r) => [
      r.result.type,
      r.result.error,
      r.claude_retry,
    ]);
    expect(errors).toEqual([
      [
        'errored',
        {
          type: 'worker_error',
          message: 'the job failed in the worker: boom. Send it again with --retry-errored.',
        },
        { attempts: 0, line: 1, retryable: true },
      ],
      [
        'errored',
        {
          type: 'worker_error',
          message:
            'the worker returned something that is not a claude-retry result (is it the same version?). Send it again with --retry-errored.',
        },
        { attempts: 0, line: 2, retryable: true },
      ],
    ]);

    await worker();
    const again = await coordinate({ input, retryErrored: true });
    expect(again).toMatchObject({ ended: 'completed', succeeded: 2, errored: 0, compacted: true });
    const results = await readResults(dir.file('out.jsonl'));
    expect(results.map((r) => [r.custom_id, r.result.type])).toEqual([
      ['r001', 'succeeded'],
      ['r002', 'succeeded'],
    ]);
    expect(server.stats.requests).toBe(2);
  });

  it('--local-workers: the coordinator sends the requests itself, no other worker needed', async () => {
    const input = await dir.write('in.jsonl', requestLines(6));
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    const args = [
      'batch',
      input,
      '-o',
      dir.file('out.jsonl'),
      '--base-url',
      server.url,
      '--local-workers',
      '2',
    ];
    expect(await runCli([...args, '--queue', REDIS_URL, '--queue-name', queueName], io)).toBe(0);
    expect(io.err()).toMatch(/^Finished in \d+\.\d s: 6 succeeded, 0 errored\./);
    expect(io.err()).not.toContain('No worker is connected');
    expect(onePerId(await readResults(dir.file('out.jsonl')))).toBe(true);
    expect(server.stats.requests).toBe(6);
  });

  it('a worker stopped with Ctrl-C finishes its jobs in flight (they are recorded), then exits 130', async () => {
    server.setFaults({ latencyMs: 1000 });
    const input = await dir.write('in.jsonl', requestLines(6));
    const run = coordinate({ input });
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    const args = [
      'worker',
      '--queue',
      REDIS_URL,
      '--queue-name',
      queueName,
      '--base-url',
      server.url,
      '--no-pacing',
    ];
    const stopped = runCli([...args, '-c', '2'], io);
    await vi.waitFor(() => expect(server.stats.requests).toBe(2), { timeout: 5000, interval: 10 });
    io.controller.abort();
    expect(await stopped).toBe(130);
    expect(io.err()).toContain('Stopping: no new jobs; finishing the ones in flight');
    expect(io.err()).toMatch(
      /stopped: 2 jobs done \(2 succeeded, 0 errored\); retries: 0; 429 answers: 0\.\n$/,
    );
    expect(server.stats.succeeded).toBe(2);
    await worker();
    expect(await run).toMatchObject({ ended: 'completed', succeeded: 6 });
    expect(server.stats.requests).toBe(6);
  });

  it('an aborted worker hands its jobs in flight back at once; another worker sends them', async () => {
    server.setFaults({ latencyMs: 5000 });
    const input = await dir.write('in.jsonl', requestLines(3));
    const run = coordinate({ input });
    const first = await worker(3);
    await vi.waitFor(() => expect(server.stats.requests).toBe(3), { timeout: 5000, interval: 10 });
    expect(await first.abort()).toEqual({
      succeeded: 0,
      errored: 0,
      handedBack: 3,
      retries: 0,
      rateLimited: 0,
    });
    const queue = testQueue(queueName);
    expect(await queue.getJobCounts('waiting', 'active', 'failed')).toEqual({
      waiting: 3,
      active: 0,
      failed: 0,
    });
    await queue.close();
    server.setFaults({});
    await worker();
    expect(await run).toMatchObject({ ended: 'completed', succeeded: 3, workerFailures: 0 });
  });

  it('a worker whose key is refused hands its job back and exits 3; another worker finishes the batch', async () => {
    await server.close();
    server = await startMockServer({ apiKeys: [KEY] });
    const input = await dir.write('in.jsonl', requestLines(4));
    const run = coordinate({ input });
    const io = captureIO({ ANTHROPIC_API_KEY: 'sk-test-refused-key-1' });
    const code = await runCli(
      ['worker', '--queue', REDIS_URL, '--queue-name', queueName, '--base-url', server.url],
      io,
    );
    expect(code).toBe(3);
    expect(io.err()).toContain(
      "The API refused this worker's key, so it stopped; its jobs went back to the queue",
    );
    expect(io.err()).toContain('Error: Authentication failed (HTTP 401)');
    expect(io.err()).not.toContain('sk-test-refused-key-1');
    await worker();
    const summary = await run;
    expect(summary).toMatchObject({ ended: 'completed', succeeded: 4, errored: 0, workerFailures: 0 });
  });
});
