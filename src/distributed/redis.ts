/**
 * The Redis side of the job queue: checking a `--queue` URL, failing fast when Redis cannot be
 * reached at start (BullMQ's own connections retry forever, by design, so they would hang), and
 * noticing when the connection is lost and comes back during a run.
 */
import { Redis } from 'ioredis';
import { ConfigurationError } from '../errors.js';

/** How long the start-up check waits for Redis to answer. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

/** Checks that `url` is a Redis URL; returns it unchanged. */
export function checkRedisUrl(url: string, flag = '--queue'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(
      `${flag} expects a Redis URL such as redis://127.0.0.1:6379, got "${redactRedisUrl(url)}".`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigurationError(
      `${flag} expects a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "${redactRedisUrl(url)}".`,
    );
  }
  return url;
}

/** The URL with its password hidden, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: hide whatever sits between `:` and `@`, where a password would be.
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** Command-line arguments with the password of any URL in them hidden (for a printed resume command). */
export function redactUrlArgs(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg.includes('@') ? redactRedisUrl(arg) : arg));
}

/**
 * Connection options for every BullMQ Queue, Worker and QueueEvents. `maxRetriesPerRequest: null`
 * (required by BullMQ for workers, used everywhere here): while Redis is away, commands wait for the
 * reconnection instead of failing, so a short outage pauses the work rather than losing it.
 */
export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null };
}

export type RedisHealthChange = { state: 'lost'; detail: string } | { state: 'restored'; detail: string };

/**
 * A small connection of our own that watches Redis: it fails fast on start (one attempt, a short
 * timeout), then reconnects forever and reports each outage once, when it starts and when it ends.
 */
export class RedisHealth {
  private lost = false;

  private constructor(
    private readonly client: Redis,
    private readonly onChange: (change: RedisHealthChange) => void,
  ) {
    client.on('error', (error: Error) => this.markLost(error));
    client.on('close', () => this.markLost(undefined));
    client.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      this.onChange({ state: 'restored', detail: 'the connection to Redis is back' });
    });
  }

  /** Connects once; throws a ConfigurationError (exit code 2) naming the URL when Redis does not answer. */
  static async connect(
    url: string,
    options: { timeoutMs?: number; onChange?: (change: RedisHealthChange) => void } = {},
  ): Promise<RedisHealth> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let starting = true;
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      // No retry while we check at start (fail fast); afterwards, reconnect like BullMQ does.
      retryStrategy: (times) => (starting ? null : Math.min(1000 * times, 5000)),
      connectionName: 'claude-retry-health',
    });
    // connect() rejects with a bare "Connection is closed": the reason comes as an 'error' event.
    let reason: Error | undefined;
    const remember = (error: Error) => {
      reason ??= error;
    };
    client.on('error', remember);
    let timer: NodeJS.Timeout | undefined;
    try {
      const attempt = client.connect().then(() => client.ping());
      attempt.catch(() => {}); // Settled below, or abandoned after the timeout.
      // ioredis can take seconds to give up on a server that accepts but never answers.
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })),
          timeoutMs,
        );
      });
      await Promise.race([attempt, late]);
    } catch (error) {
      client.disconnect();
      const cause = reason ?? error;
      throw new ConfigurationError(
        `Cannot reach Redis at ${redactRedisUrl(url)}: ${describeRedisError(cause)}. ` +
          'Start Redis (for example `redis-server`), or fix the URL given to --queue.',
        { cause },
      );
    } finally {
      clearTimeout(timer);
      client.off('error', remember);
    }
    starting = false;
    // Pings during an outage would time out and say nothing new: only the reconnection matters.
    client.options.commandTimeout = undefined;
    return new RedisHealth(client, options.onChange ?? (() => {}));
  }

  get connected(): boolean {
    return !this.lost;
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('close');
    this.client.removeAllListeners('error');
    this.client.on('error', () => {});
    this.client.disconnect();
  }

  private markLost(error: Error | undefined): void {
    if (this.lost) return;
    this.lost = true;
    const why = error ? describeRedisError(error) : 'the connection closed';
    this.onChange({ state: 'lost', detail: why });
  }
}

function describeRedisError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused (is Redis running on that host and port?)';
  if (code === 'ENOTFOUND') return 'unknown host';
  if (error.message === 'Command timed out' || code === 'ETIMEDOUT') return 'no answer in time';
  return error.message;
}
