/** createClient with a shared pacing store: the ways to name it, its events, and Redis lost mid-run. */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/client/create-client.js';
import type { ClientEvent } from '../src/client/events.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { RedisPacingStore } from '../src/pacing/redis-store.js';
import {
  deleteNamespace,
  freePort,
  REDIS_URL,
  startRedisServer,
  stopRedisServer,
  uniqueKey,
} from './support/redis-pacing.js';

const HELLO = {
  model: 'claude-x',
  max_tokens: 20,
  messages: [{ role: 'user' as const, content: 'echo: hi' }],
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mock(): Promise<MockServer> {
  const server = await startMockServer();
  cleanups.push(() => server.close());
  return server;
}

async function keysOf(store: RedisPacingStore): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.keys(`claude-retry:{${store.namespace}}:*`);
  } finally {
    redis.disconnect();
  }
}

describe('createClient with a Redis pacing store', () => {
  it('takes a URL as pacing.store, or as rateLimit.store (the same option by another name)', async () => {
    const server = await mock();
    for (const spelling of ['pacing', 'rateLimit'] as const) {
      const apiKey = uniqueKey();
      cleanups.push(() => deleteNamespace(apiKey));
      const client = createClient({ apiKey, baseURL: server.url, [spelling]: { store: REDIS_URL } });
      await client.ready();
      await client.messages.create(HELLO);
      await client.close();
      expect(await keysOf(new RedisPacingStore({ redis: REDIS_URL, apiKey }))).toEqual([
        new RedisPacingStore({ redis: REDIS_URL, apiKey }).keyFor('claude-x'),
      ]);
    }
  });

  it('refuses pacing and rateLimit together, and a store it cannot use', () => {
    expect(() => createClient({ apiKey: 'sk-test-key', pacing: {}, rateLimit: {} })).toThrow(
      'Pass either `pacing` or its other name `rateLimit` to createClient(), not both.',
    );
    expect(() => createClient({ apiKey: 'sk-test-key', pacing: { store: 'memcached://x' } })).toThrow(
      'Invalid Redis URL "memcached://x"',
    );
  });

  it('uses an ioredis client it is given and leaves it open on close', async () => {
    const server = await mock();
    const apiKey = uniqueKey();
    cleanups.push(() => deleteNamespace(apiKey));
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => {
      redis.disconnect();
    });
    const client = createClient({ apiKey, baseURL: server.url, pacing: { store: redis } });
    await client.messages.create(HELLO);
    await client.close();
    expect(redis.status).toBe('ready');
    expect(await redis.exists(new RedisPacingStore({ redis, apiKey }).keyFor('claude-x'))).toBe(1);
  });

  it('keeps answering when Redis is lost mid-run, and says so with one `store` event', async () => {
    const server = await mock();
    const port = await freePort();
    await startRedisServer(port);
    cleanups.push(() => stopRedisServer(port));
    const events: ClientEvent[] = [];
    const client = createClient({
      apiKey: uniqueKey(),
      baseURL: server.url,
      pacing: { store: `redis://127.0.0.1:${port}` },
    });
    cleanups.push(() => client.close());
    client.on('store', (event) => events.push(event));
    await client.messages.create(HELLO);
    await stopRedisServer(port);
    for (let i = 0; i < 3; i++) await client.messages.create(HELLO);
    expect(events.map((e) => e.type === 'store' && e.state)).toEqual(['local']);
    expect(server.stats.requests).toBe(4);
  });

  it('turns the warning into a process warning when nobody listens', async () => {
    const server = await mock();
    const port = await freePort();
    await startRedisServer(port);
    cleanups.push(() => stopRedisServer(port));
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    cleanups.push(async () => {
      process.off('warning', onWarning);
    });
    const client = createClient({
      apiKey: uniqueKey(),
      baseURL: server.url,
      pacing: { store: `redis://127.0.0.1:${port}` },
    });
    cleanups.push(() => client.close());
    await client.messages.create(HELLO);
    await stopRedisServer(port);
    await client.messages.create(HELLO);
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      warnings.map((w) => [w.name, w.message.startsWith(`Lost Redis at redis://127.0.0.1:${port} (`)]),
    ).toEqual([['ClaudeRetryWarning', true]]);
  });
});
