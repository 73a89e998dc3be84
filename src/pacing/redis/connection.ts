/** Opening a Redis connection for the pacing store: fail fast, never queue, say clearly what went wrong. */
import { createHash } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { ClaudeRetryError, ConfigurationError, isClaudeRetryError } from '../../errors.js';

/** How long connecting may take before Redis counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 2000;
/** A command without an answer after this long counts as Redis lost (a hung or partitioned server). */
export const COMMAND_TIMEOUT_MS = 1000;
/** Longest pause between reconnection attempts once Redis was lost. */
const MAX_RECONNECT_DELAY_MS = 1000;

/** Redis could not be reached when pacing started. Its message names the URL (never a password). */
export class RedisUnavailableError extends ClaudeRetryError {
  override name = 'RedisUnavailableError';
  constructor(
    /** The URL, with any password masked. */
    readonly url: string,
    /** "connection refused", "no answer within 2 s"... */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot reach Redis at ${url}: ${reason}. Start Redis there, or pace without the shared store.`,
      options,
    );
  }
}

export function isRedisUnavailableError(error: unknown): error is RedisUnavailableError {
  return isClaudeRetryError(error) && error.name === 'RedisUnavailableError';
}

/** Checks a redis:// or rediss:// URL; returns it for display with any password masked. */
export function displayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(
      `Invalid Redis URL "${url}": expected redis://host:port (or rediss:// for TLS), e.g. redis://127.0.0.1:6379.`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigurationError(
      `Invalid Redis URL "${displayable(parsed)}": expected redis://host:port (or rediss:// for TLS).`,
    );
  }
  return displayable(parsed);
}

function displayable(parsed: URL): string {
  if (parsed.password) parsed.password = '***';
  return parsed.toString().replace(/\/$/, '');
}

/** The key namespace for one API key: a hash, so the key itself never reaches Redis. */
export function namespaceFor(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

/**
 * A connection the store owns. No offline queue and no retries per command: while Redis is away a
 * step fails at once and the store paces locally instead of stalling. It reconnects by itself only
 * after it was connected once (`mayReconnect`); before that, failing to connect is an error to report.
 */
export async function openRedis(url: string, mayReconnect: () => boolean): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // On close, a socket that does not end cleanly is destroyed after this long (ioredis: 2 s).
    disconnectTimeout: 200,
    retryStrategy: (times) => (mayReconnect() ? Math.min(50 * 2 ** times, MAX_RECONNECT_DELAY_MS) : null),
  };
  return new Redis(url, options);
}

/** A person's words for why a connection failed. */
export function describeFailure(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset';
  if (/Connection is closed|Stream isn't writeable/i.test(message)) return 'connection closed';
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message))
    return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  if (/NOAUTH|WRONGPASS|invalid password/i.test(message))
    return 'authentication failed (check the password in the URL)';
  return message;
}

/** Too many other processes wrote the same state at once for one step to get through (not an outage). */
export class StoreContentionError extends ClaudeRetryError {
  override name = 'StoreContentionError';
}

/** For messages about an ioredis client passed in: where it points, without credentials. */
export function describeInstance(redis: Redis): string {
  const { host, port } = redis.options;
  return `redis://${host ?? 'localhost'}:${port ?? 6379}`;
}

/** Waits for a client someone else connects (not lazily) to be ready, within the connect timeout. */
export function untilReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onEnd = () => done(new Error('connection closed'));
    const timer = setTimeout(() => done(new Error('timed out')), CONNECT_TIMEOUT_MS);
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}
