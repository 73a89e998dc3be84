/**
 * A PacingStore shared through Redis, so every process (on any machine) that uses one API key shares
 * the learned limits, the buckets, the in-flight ledger and the overload state.
 *
 * Design: compare-and-set, not a port of the logic to Lua. One Lua script reads a model's state, its
 * version and the Redis server's clock (TIME) atomically; the same `takeStep` / `settleStep` the
 * memory store runs compute the new state with that server time; a second script writes it only if
 * the version has not moved (on a conflict it returns the fresh state and the step is computed
 * again). The limiter's logic thus has one source of truth, and every process uses one clock.
 *
 * Keys: `claude-retry:{<first 16 hex of sha256(api key)>}:model:<model>`, never the key itself (the
 * braces make it a Redis Cluster hash tag: one key's models live on one shard). Each key expires
 * `ttlMs` after its last write, so abandoned state goes away by itself.
 *
 * Faults: Redis unreachable at the start is an error (RedisUnavailableError), since the user asked
 * for shared pacing. Redis lost later is survived: the store paces with a local MemoryPacingStore,
 * says so once through `onStatusChange`, and goes back to Redis when it answers again. Work keeps
 * flowing; while several processes pace alone their sum may pass the limit, and the 429s that follow
 * are retried (and teach each local limiter the limit).
 */
import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import type { RequestCost } from './estimate.js';
import { MemoryPacingStore } from './memory-store.js';
import {
  describeFailure,
  describeInstance,
  displayUrl,
  namespaceFor,
  openRedis,
  RedisUnavailableError,
  StoreContentionError,
  untilReady,
} from './redis/connection.js';
import { readState, type Snapshot, writeState } from './redis/scripts.js';
import { decodeState, encodeState } from './redis/state-codec.js';
import { type ModelState, settleStep, takeStep } from './steps.js';
import type { PacingStore, SettleReport, SettleResult, StorePolicy, TakeResult, Ticket } from './store.js';

/** What `onStatusChange` receives: Redis was lost (`local`) or is back (`shared`). */
export interface SharedStoreChange {
  readonly state: 'local' | 'shared';
  readonly detail: string;
}

export interface RedisPacingStoreOptions {
  /** A redis:// or rediss:// URL (the store opens and closes its own connection), or an ioredis client you own. */
  readonly redis: string | Redis;
  /** The API key whose limits are shared. Only a hash of it is kept, and used in key names. */
  readonly apiKey: string;
  /** How long a model's state outlives its last write, in ms. @default 600000 (10 minutes) */
  readonly ttlMs?: number;
  /**
   * Other processes free room without any local event: a waiting request asks again at least this
   * often, in ms. @default 50
   */
  readonly pollMs?: number;
  /** Told once when Redis is lost and pacing goes local, and once when it is back. */
  readonly onStatusChange?: (change: SharedStoreChange) => void;
  /** The clock of the local fallback. @default the system clock */
  readonly clock?: Clock;
  /** Added to the server's clock, in ms. For tests only: lets time pass without sleeping. */
  readonly serverTimeShift?: () => number;
}

/** A step that conflicted this often in a row gives up (many processes writing one model at once). */
const MAX_STEP_ATTEMPTS = 32;
/** After a failure, Redis is tried again no sooner than this, in ms (a server that answers with errors). */
const RETRY_AFTER_FAILURE_MS = 1000;

export class RedisPacingStore implements PacingStore {
  readonly pollMs: number;
  /** The hash of the API key that prefixes every key. */
  readonly namespace: string;
  /** Where Redis is, for messages (any password masked). */
  readonly url: string;
  private readonly owned: boolean;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly onStatusChange: RedisPacingStoreOptions['onStatusChange'];
  private readonly serverTimeShift: (() => number) | undefined;
  private readonly source: string | Redis;
  private redis: Redis | undefined;
  private connecting: Promise<Redis> | undefined;
  private lastError: unknown;
  private everReady = false;
  private closed = false;
  /** While Redis is away: the local store in use, and when to try Redis again. */
  private fallback: MemoryPacingStore | undefined;
  private retryAt = 0;
  /** Tickets a local store let through are settled there, whatever the mode is by then. */
  private readonly localTickets = new WeakMap<Ticket, MemoryPacingStore>();
  /** Steps talking to Redis now (close waits for them). */
  private readonly steps = new Set<Promise<unknown>>();

  constructor(options: RedisPacingStoreOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey === '') {
      throw new ConfigurationError(
        'RedisPacingStore needs the API key whose limits it shares (`apiKey`): only its hash is used.',
      );
    }
    this.namespace = namespaceFor(options.apiKey);
    this.source = options.redis;
    this.owned = typeof options.redis === 'string';
    this.url =
      typeof options.redis === 'string' ? displayUrl(options.redis) : describeInstance(options.redis);
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.pollMs = options.pollMs ?? 50;
    this.clock = options.clock ?? systemClock;
    this.onStatusChange = options.onStatusChange;
    this.serverTimeShift = options.serverTimeShift;
  }

  /** The Redis key holding `model`'s state. */
  keyFor(model: string): string {
    return `claude-retry:{${this.namespace}}:model:${model}`;
  }

  /** Resolves once Redis answers; rejects with a RedisUnavailableError when it cannot be reached. */
  async ready(): Promise<void> {
    await this.connection();
  }

  /**
   * Closes the connection the store opened (not an ioredis client that was passed in), once the
   * steps under way are written: the last answers' settles still reach the shared state.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.steps]);
    const redis = this.redis;
    if (!this.owned || !redis || redis.status === 'end') return;
    if (redis.status === 'ready') {
      try {
        await redis.quit();
        return;
      } catch {
        // Lost on the way out: drop it below.
      }
    }
    redis.disconnect();
  }

  take(model: string, cost: RequestCost, policy: StorePolicy): Promise<TakeResult> {
    return this.track(this.takeNow(model, cost, policy));
  }

  settle(model: string, report: SettleReport, policy: StorePolicy): Promise<SettleResult> {
    return this.track(this.settleNow(model, report, policy));
  }

  /** Keeps `operation` in `steps` until it ends, so close() can wait for it. */
  private track<T>(operation: Promise<T>): Promise<T> {
    this.steps.add(operation);
    const forget = () => this.steps.delete(operation);
    operation.then(forget, forget);
    return operation;
  }

  private async takeNow(model: string, cost: RequestCost, policy: StorePolicy): Promise<TakeResult> {
    if (this.closed) throw new ConfigurationError('This Redis pacing store was closed; create a new client.');
    const redis = await this.sharedConnection();
    if (redis) {
      try {
        return this.backOnline(
          await this.step(redis, model, (state, now) => takeStep(state, cost, policy, now)),
        );
      } catch (error) {
        if (error instanceof StoreContentionError) throw error;
        this.lose(error);
      }
    }
    const local = this.localStore();
    const result = await local.take(model, cost, policy);
    if (result.granted) this.localTickets.set(result.ticket, local);
    return result;
  }

  private async settleNow(model: string, report: SettleReport, policy: StorePolicy): Promise<SettleResult> {
    const issuer = this.localTickets.get(report.ticket);
    if (issuer) return issuer.settle(model, report, policy);
    const redis = this.closed ? undefined : await this.sharedConnection();
    if (redis) {
      try {
        return this.backOnline(
          await this.step(redis, model, (state, now) => settleStep(state, report, policy, now)),
        );
      } catch (error) {
        if (error instanceof StoreContentionError) throw error;
        this.lose(error);
      }
    }
    // Let through by Redis, answered while it is away: the local store still learns from the
    // answer, under a ticket number its own ledger cannot hold.
    return this.localStore().settle(
      model,
      { ...report, ticket: { seq: -1, sentAt: report.ticket.sentAt } },
      policy,
    );
  }

  /**
   * One atomic step: read, compute with the server's time, write if nobody wrote meanwhile. A step
   * that changed nothing (a wait, say) needs no write: its answer held when the state was read.
   */
  private async step<T>(redis: Redis, model: string, run: (state: ModelState, now: number) => T): Promise<T> {
    const key = this.keyFor(model);
    let snapshot: Snapshot = await readState(redis, key);
    for (let attempt = 1; ; attempt++) {
      const state = decodeState(snapshot.stored);
      const result = run(state, snapshot.now + (this.serverTimeShift?.() ?? 0));
      const encoded = encodeState(state);
      if (encoded === snapshot.stored) return result;
      const conflict = await writeState(redis, key, snapshot.version, encoded, this.ttlMs);
      if (!conflict) return result;
      if (attempt >= MAX_STEP_ATTEMPTS) {
        throw new StoreContentionError(
          `${attempt} processes in a row changed the pacing state of ${model} in Redis while this one computed its step; giving up on this request.`,
        );
      }
      if (attempt < 3) snapshot = conflict;
      else {
        // Many writers at once: spread them out before reading again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(16, 2 ** attempt)));
        snapshot = await readState(redis, key);
      }
    }
  }

  /** The connection to use now, or undefined while pacing locally. Throws if Redis was never reached. */
  private async sharedConnection(): Promise<Redis | undefined> {
    if (!this.everReady) return this.connection();
    const redis = this.redis as Redis;
    if (this.fallback)
      return redis.status === 'ready' && this.clock.now() >= this.retryAt ? redis : undefined;
    if (redis.status === 'ready') return redis;
    this.lose(this.lastError ?? new Error(`connection ${redis.status}`));
    return undefined;
  }

  private connection(): Promise<Redis> {
    if (this.closed) {
      return Promise.reject(
        new ConfigurationError('This Redis pacing store was closed; create a new client.'),
      );
    }
    if (this.redis?.status === 'ready') return Promise.resolve(this.redis);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Redis> {
    if (!this.redis) {
      this.redis =
        typeof this.source === 'string' ? await openRedis(this.source, () => this.everReady) : this.source;
      // Without a listener ioredis prints every connection error; the store reports them itself.
      this.redis.on('error', (error: unknown) => {
        this.lastError = error;
      });
    }
    const redis = this.redis;
    this.lastError = undefined;
    try {
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      else await untilReady(redis);
    } catch (error) {
      throw new RedisUnavailableError(this.url, describeFailure(this.lastError ?? error), {
        cause: this.lastError ?? error,
      });
    }
    this.everReady = true;
    return redis;
  }

  private localStore(): MemoryPacingStore {
    this.fallback ??= new MemoryPacingStore({ clock: this.clock });
    return this.fallback;
  }

  private lose(error: unknown): void {
    if (this.closed) return; // closing cut a step short: nothing to report
    this.retryAt = this.clock.now() + RETRY_AFTER_FAILURE_MS;
    if (this.fallback) return;
    this.localStore();
    this.onStatusChange?.({
      state: 'local',
      detail:
        `Lost Redis at ${this.url} (${describeFailure(error)}): pacing with this process's own limiter until it is back. ` +
        'Processes pacing alone may together pass the limit; the 429s that follow are retried.',
    });
  }

  private backOnline<T>(result: T): T {
    if (this.fallback) {
      // A new outage starts from a fresh local store; tickets of this one still settle there.
      this.fallback = undefined;
      this.onStatusChange?.({
        state: 'shared',
        detail: `Redis at ${this.url} is back: pacing is shared again.`,
      });
    }
    return result;
  }
}
