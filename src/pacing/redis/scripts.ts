/**
 * The two Lua scripts of the compare-and-set protocol (see redis-store.ts). Each runs atomically on
 * the Redis server; the state itself is computed in JavaScript by the same takeStep / settleStep the
 * memory store runs, so there is one source of truth for the limiter's logic.
 *
 * A model's state is a hash: `v` counts the writes (the version), `state.v1` is the JSON. The format
 * number is in the field name so a future format cannot be misread by an older process.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export const STATE_FIELD = 'state.v1';

/** Reads the state, its version and the server's clock (TIME) in one atomic step. */
const READ = `
local now = redis.call('TIME')
local found = redis.call('HMGET', KEYS[1], 'v', '${STATE_FIELD}')
return { now[1], now[2], found[1] or '0', found[2] or '' }
`;

/**
 * Writes the new state only if nobody wrote since it was read (ARGV[1] is the version read), and
 * renews the key's time to live (ARGV[3], ms). On a conflict it answers like READ does, so the
 * retry needs no second round trip.
 */
const WRITE = `
local version = redis.call('HGET', KEYS[1], 'v') or '0'
if version ~= ARGV[1] then
  local now = redis.call('TIME')
  return { now[1], now[2], version, redis.call('HGET', KEYS[1], '${STATE_FIELD}') or '' }
end
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], '${STATE_FIELD}', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** A state as read: the server's time in ms, the version, and the JSON ('' when there is none yet). */
export interface Snapshot {
  readonly now: number;
  readonly version: string;
  readonly stored: string;
}

class Script {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** EVALSHA, and EVAL once when the server does not know the script yet (a new or flushed server). */
  async run(redis: Redis, key: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, 1, key, ...args);
    }
  }
}

const read = new Script(READ);
const write = new Script(WRITE);

function snapshotFrom(reply: unknown): Snapshot {
  const [seconds, micros, version, stored] = reply as [string, string, string, string];
  // Sub-millisecond precision keeps the order of steps that land in the same millisecond.
  return { now: Number(seconds) * 1000 + Number(micros) / 1000, version: String(version), stored };
}

export async function readState(redis: Redis, key: string): Promise<Snapshot> {
  return snapshotFrom(await read.run(redis, key, []));
}

/** Writes `encoded` if the version is still `version`: undefined when written, else a fresh snapshot. */
export async function writeState(
  redis: Redis,
  key: string,
  version: string,
  encoded: string,
  ttlMs: number,
): Promise<Snapshot | undefined> {
  const reply = await write.run(redis, key, [version, encoded, Math.max(1, Math.round(ttlMs))]);
  return reply === 1 ? undefined : snapshotFrom(reply);
}
