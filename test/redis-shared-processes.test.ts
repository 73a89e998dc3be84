/**
 * Two clients in separate processes, one API key, one simulated API: sharing the pacing through
 * Redis, together they stay within the limit that pacing alone each would overrun.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { deleteNamespace, REDIS_URL, uniqueKey } from './support/redis-pacing.js';

const CHILD = fileURLToPath(new URL('./support/redis-pacing-child.ts', import.meta.url));

const REQUESTS = 24;
/** A handful at most: the first answers of two processes may both come before the limit is learned. */
const SHARED_MAX_429S = 3;

interface ChildResult {
  succeeded: number;
  failures: string[];
}

/** Starts both children, lets them go together once both are ready, and collects their results. */
async function runPair(
  server: MockServer,
  apiKey: string,
  redisUrl: string | undefined,
): Promise<ChildResult[]> {
  const children = [0, 1].map(() =>
    fork(
      CHILD,
      [JSON.stringify({ baseURL: server.url, apiKey, redisUrl, requests: REQUESTS, inFlight: 8 })],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    ),
  );
  const results = children.map(
    (child) =>
      new Promise<ChildResult>((resolve, reject) => {
        child.on('message', (message) => {
          if (message !== 'ready') resolve(message as ChildResult);
        });
        child.on('exit', (code) => reject(new Error(`child exited with code ${code} before answering`)));
      }),
  );
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
  for (const child of children) child.send('go');
  return Promise.all(results);
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('two processes sharing one key', () => {
  it('overrun the limit when each paces alone (what the shared store is for)', async () => {
    server = await startMockServer({ limits: { rpm: 1200 }, seed: 7 });
    const results = await runPair(server, uniqueKey(), undefined);
    expect(results.map((r) => r.succeeded)).toEqual([REQUESTS, REQUESTS]);
    // Each learns the limit from the headers but not what the other sends (8 to 20 429s measured).
    expect(server.stats.rateLimited).toBeGreaterThan(SHARED_MAX_429S);
  });

  it('stay within the limit together when their pacing is shared through Redis', async () => {
    // 20 requests a second (a bucket of 20): 48 requests take about 1.4 s at best.
    server = await startMockServer({ limits: { rpm: 1200 }, seed: 7 });
    const apiKey = uniqueKey();
    try {
      const results = await runPair(server, apiKey, REDIS_URL);
      expect(results.map((r) => [r.succeeded, r.failures])).toEqual([
        [REQUESTS, []],
        [REQUESTS, []],
      ]);
      expect(server.stats.rateLimited).toBeLessThanOrEqual(SHARED_MAX_429S); // 0 measured
    } finally {
      await deleteNamespace(apiKey);
    }
  });
});
