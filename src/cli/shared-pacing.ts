/**
 * --redis for every command that calls the API: check that Redis answers before any work starts
 * (a clear usage error, exit code 2, when it does not), and say when pacing goes local and back.
 */
import type { ClaudeRetryClient } from '../client/create-client.js';
import { isRedisUnavailableError } from '../pacing/redis/connection.js';
import { UsageError } from './report-error.js';

/** Connects the client's shared pacing store, if it has one; `log` gets a line when Redis is lost or back. */
export async function connectSharedPacing(
  client: ClaudeRetryClient,
  log: (line: string) => void,
): Promise<void> {
  client.on('store', (event) => log(event.state === 'local' ? `Warning: ${event.detail}` : event.detail));
  try {
    await client.ready();
  } catch (error) {
    if (isRedisUnavailableError(error)) {
      throw new UsageError(
        `Cannot reach Redis at ${error.url}: ${error.reason}. Start Redis or drop --redis.`,
      );
    }
    throw error;
  }
}
