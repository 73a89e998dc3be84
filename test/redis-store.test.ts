/** RedisPacingStore beyond the contract: key names, expiry, sharing, and Redis faults (real servers). */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/internal/test-support/virtual-clock.js';
import { DEFAULT_OVERLOAD_POLICY } from '../src/pacing/overload.js';
import { isRedisUnavailableError } from '../src/pacing/redis/connection.js';
import { STATE_FIELD } from '../src/pacing/redis/scripts.js';
import { decodeState } from '../src/pacing/redis/state-codec.js';
import { RedisPacingStore, type SharedStoreChange } from '../src/pacing/redis-store.js';
import type { StorePolicy } from '../src/pacing/store.js';
import {
  deleteNamespace,
  freePort,
  REDIS_URL,
  startRedisServer,
  stopRedisServer,
  uniqueKey,
} from './support/redis-pacing.js';

const ONE = { requests: 1, inputTokens: 10, outputTokens: 100 };
const FREE: StorePolicy = { limits: {}, overload: DEFAULT_OVERLOAD_POLICY };
const ONE_PER_SECOND: StorePolicy = { limits: { rpm: 60 }, overload: DEFAULT_OVERLOAD_POLICY };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function storeFor(apiKey: string, more: Partial<ConstructorParameters<typeof RedisPacingStore>[0]> = {}) {
  const store = new RedisPacingStore({ redis: REDIS_URL, apiKey, ...more });
  cleanups.push(async () => {
    await store.close();
    await deleteNamespace(apiKey);
  });
  return store;
}

function admin(url = REDIS_URL): Redis {
  const redis = new Redis(url);
  cleanups.push(async () => {
    redis.disconnect();
  });
  return redis;
}

describe('RedisPacingStore keys', () => {
  it('names keys by a hash of the API key, never the key, and lets them expire after the last use', async () => {
    const apiKey = uniqueKey();
    const store = storeFor(apiKey, { ttlMs: 60_000 });
    await store.take('claude-x', ONE, FREE);
    const hash = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
    const key = `claude-retry:{${hash}}:model:claude-x`;
    expect(store.keyFor('claude-x')).toBe(key);
    const redis = admin();
    expect(await redis.keys(`claude-retry:{${hash}}:*`)).toEqual([key]);
    expect(await redis.keys(`*${apiKey}*`)).toEqual([]);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const stored = decodeState((await redis.hget(key, STATE_FIELD)) as string);
    expect(stored.ledger.map((entry) => entry.seq)).toEqual([1]);
  });

  it('keeps Infinity in the stored state (a capacity no reset time has bounded yet)', async () => {
    const apiKey = uniqueKey();
    const store = storeFor(apiKey);
    const take = await store.take('m', ONE, FREE);
    if (!take.granted) throw new Error('expected a grant');
    const readings = { requests: { limit: 600, remaining: 5, resetAt: undefined } };
    await store.settle('m', { ticket: take.ticket, cost: ONE, outcome: 'success', readings }, FREE);
    const raw = (await admin().hget(store.keyFor('m'), STATE_FIELD)) as string;
    expect(decodeState(raw).learned.requests?.capHigh).toBe(Number.POSITIVE_INFINITY);
    expect(decodeState(raw).overload.recoveredAt).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('RedisPacingStore sharing', () => {
  it('shares one key’s state between connections, and keeps other keys apart', async () => {
    const apiKey = uniqueKey();
    const first = storeFor(apiKey);
    const second = storeFor(apiKey);
    const other = storeFor(uniqueKey());
    expect((await first.take('m', ONE, ONE_PER_SECOND)).granted).toBe(true);
    const held = await second.take('m', ONE, ONE_PER_SECOND);
    expect(held.granted === false && held.reason).toBe('rpm');
    expect((await other.take('m', ONE, ONE_PER_SECOND)).granted).toBe(true);
  });

  it('uses an ioredis client it is given, and leaves it open on close', async () => {
    const apiKey = uniqueKey();
    const redis = admin();
    const store = new RedisPacingStore({ redis, apiKey });
    cleanups.push(() => deleteNamespace(apiKey));
    expect((await store.take('m', ONE, FREE)).granted).toBe(true);
    await store.close();
    expect(redis.status).toBe('ready');
    await expect(store.take('m', ONE, FREE)).rejects.toThrow('This Redis pacing store was closed');
  });
});

describe('RedisPacingStore faults', () => {
  it('fails fast with a clear error when Redis cannot be reached at the start', async () => {
    const port = await freePort();
    const store = new RedisPacingStore({ redis: `redis://:hunter2@127.0.0.1:${port}`, apiKey: uniqueKey() });
    cleanups.push(() => store.close());
    const message = `Cannot reach Redis at redis://:***@127.0.0.1:${port}: connection refused. Start Redis there, or pace without the shared store.`;
    const failure = await store.ready().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isRedisUnavailableError(failure)).toBe(true);
    expect((failure as Error).message).toBe(message);
    // A step before Redis was ever reached fails the same way rather than pacing alone.
    await expect(store.take('m', ONE, FREE)).rejects.toThrow(message);
  });

  it('rejects a URL that is not redis:// or rediss://, naming it', () => {
    expect(() => new RedisPacingStore({ redis: 'http://127.0.0.1:6379', apiKey: 'sk-test-key' })).toThrow(
      'Invalid Redis URL "http://127.0.0.1:6379": expected redis://host:port (or rediss:// for TLS).',
    );
    expect(() => new RedisPacingStore({ redis: REDIS_URL, apiKey: '' })).toThrow('needs the API key');
  });

  it('paces locally while Redis is lost, says so once, and shares again when it is back', async () => {
    const port = await freePort();
    await startRedisServer(port);
    cleanups.push(() => stopRedisServer(port));
    const clock = new VirtualClock({ auto: false });
    const changes: SharedStoreChange[] = [];
    const store = new RedisPacingStore({
      redis: `redis://127.0.0.1:${port}`,
      apiKey: uniqueKey(),
      clock,
      onStatusChange: (change) => changes.push(change),
    });
    cleanups.push(() => store.close());

    const shared = await store.take('m', ONE, FREE);
    if (!shared.granted) throw new Error('expected a grant');
    await stopRedisServer(port);

    // The request let through by Redis is answered while Redis is away: no error, learned locally.
    await store.settle('m', { ticket: shared.ticket, cost: ONE, outcome: 'success', readings: {} }, FREE);
    const local = [await store.take('m', ONE, ONE_PER_SECOND), await store.take('m', ONE, ONE_PER_SECOND)];
    // The local store holds the stated limit on its own (its clock is the virtual one).
    expect(local.map((r) => r.granted)).toEqual([true, false]);
    expect(changes.map((c) => c.state)).toEqual(['local']);
    expect(changes[0]?.detail).toMatch(
      new RegExp(
        `^Lost Redis at redis://127\\.0\\.0\\.1:${port} \\(.+\\): pacing with this process's own limiter until it is back\\.`,
      ),
    );

    await startRedisServer(port);
    await clock.advance(1000);
    // The store's own connection comes back by itself (reconnecting within a second).
    let back = false;
    for (let i = 0; i < 60 && !back; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const result = await store.take('other', ONE, FREE);
      back = changes.length === 2;
      if (back) expect(result.granted && result.ticket.seq).toBe(1);
    }
    expect(changes.map((c) => c.state)).toEqual(['local', 'shared']);
    expect(changes[1]?.detail).toBe(`Redis at redis://127.0.0.1:${port} is back: pacing is shared again.`);
    // A ticket the local store let through still settles there.
    const granted = local[0];
    if (!granted?.granted) throw new Error('expected a grant');
    await expect(
      store.settle(
        'm',
        { ticket: granted.ticket, cost: ONE, outcome: 'success', readings: {} },
        ONE_PER_SECOND,
      ),
    ).resolves.toMatchObject({ unexplained429: false });
  });
});
