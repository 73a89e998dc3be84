/**
 * A separate process for test/redis-shared-processes.test.ts: a client (sharing its pacing through
 * Redis, or pacing alone) sends `requests` requests, `inFlight` at a time, once the parent says go.
 */
import { createClient } from '../../src/client/create-client.js';

interface ChildArgs {
  baseURL: string;
  apiKey: string;
  redisUrl: string | undefined;
  requests: number;
  inFlight: number;
}

const args = JSON.parse(process.argv[2] as string) as ChildArgs;

async function main(): Promise<void> {
  const client = createClient({
    apiKey: args.apiKey,
    baseURL: args.baseURL,
    retry: { maxAttempts: 20, maxDelay: 2000 },
    pacing: { retryBudget: false, ...(args.redisUrl ? { store: args.redisUrl } : {}) },
  });
  await client.ready();
  process.send?.('ready');
  await new Promise((resolve) => process.once('message', resolve));
  let next = 0;
  let succeeded = 0;
  const failures: string[] = [];
  const worker = async () => {
    for (let i = next++; i < args.requests; i = next++) {
      try {
        await client.messages.create({
          model: 'claude-test',
          max_tokens: 20,
          messages: [{ role: 'user', content: `request ${i}` }],
        });
        succeeded++;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: args.inFlight }, worker));
  await client.close();
  process.send?.({ succeeded, failures });
  process.disconnect();
}

void main();
