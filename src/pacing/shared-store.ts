/**
 * What createClient accepts as `pacing.store`: a PacingStore, a redis:// URL, or an ioredis client.
 * A URL or a client becomes a RedisPacingStore keyed by the client's API key; the client then
 * connects it (`ready`) and closes it (`close`).
 */
import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import type { PacingOptions } from './options.js';
import { RedisPacingStore, type SharedStoreChange } from './redis-store.js';
import type { PacingStore } from './store.js';

export type PacingStoreSpec = PacingStore | string | Redis;

/** createClient's pacing options: those of createPacer, with a store that may be named by URL. */
export interface ClientPacingOptions extends Omit<PacingOptions, 'store'> {
  /**
   * Where the limiter keeps its state. A redis:// (or rediss://) URL, or an ioredis client, shares
   * it with every process and machine that uses the same API key (see RedisPacingStore).
   * @default a MemoryPacingStore (this process only)
   */
  readonly store?: PacingStoreSpec;
}

/** A store the client made and so must connect and close. */
export interface OwnedStore {
  ready(): Promise<void>;
  close(): Promise<void>;
}

function isPacingStore(spec: object): spec is PacingStore {
  const candidate = spec as Partial<PacingStore>;
  return typeof candidate.take === 'function' && typeof candidate.settle === 'function';
}

function isRedisClient(spec: object): spec is Redis {
  const candidate = spec as Partial<Redis>;
  return typeof candidate.evalsha === 'function' && typeof candidate.status === 'string';
}

/** Turns a store spec into a PacingStore; `owned` is set when the client made it. */
export function resolvePacingStore(
  spec: PacingStoreSpec | undefined,
  context: {
    apiKey: string | undefined;
    clock: Clock | undefined;
    onStatusChange: (change: SharedStoreChange) => void;
  },
): { store: PacingStore | undefined; owned: OwnedStore | undefined } {
  if (spec === undefined) return { store: undefined, owned: undefined };
  if (typeof spec === 'object' && spec !== null && isPacingStore(spec))
    return { store: spec, owned: undefined };
  if (typeof spec !== 'string' && !(typeof spec === 'object' && spec !== null && isRedisClient(spec))) {
    throw new ConfigurationError(
      `Invalid pacing option \`store\`: expected a PacingStore, a redis:// URL or an ioredis client, got ${String(spec)}.`,
    );
  }
  if (!context.apiKey) {
    throw new ConfigurationError(
      'A Redis pacing store is shared per API key, and this client has none: pass `apiKey` to createClient() or set ANTHROPIC_API_KEY.',
    );
  }
  const store = new RedisPacingStore({
    redis: spec,
    apiKey: context.apiKey,
    onStatusChange: context.onStatusChange,
    ...(context.clock ? { clock: context.clock } : {}),
  });
  return { store, owned: store };
}
