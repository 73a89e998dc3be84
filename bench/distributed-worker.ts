/**
 * One worker process of bench/distributed.ts: a client of the kind it is told, `workers` requests
 * in flight, `requests` in all. Says `ready` over IPC once its client can start (Redis connected),
 * starts on `go`, and answers with what happened.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Send } from './contenders.js';
import { built } from './package.js';
import { MODEL } from './scenarios.js';
import { runWorkload } from './workload.js';

export type WorkerKind = 'redis' | 'memory' | 'sdk';

export interface WorkerArgs {
  kind: WorkerKind;
  baseURL: string;
  apiKey: string;
  redisUrl: string;
  index: number;
  requests: number;
  workers: number;
  timeLimitMs: number;
}

const args = JSON.parse(process.argv[2] as string) as WorkerArgs;

async function main(): Promise<void> {
  const { kind, baseURL, apiKey } = args;
  let send: Send;
  let close = async () => {};
  if (kind === 'sdk') {
    const sdk = new Anthropic({ apiKey, baseURL, maxRetries: 10 });
    send = (body, signal) => sdk.messages.create(body, { signal });
  } else {
    const client = built.createClient({
      apiKey,
      baseURL,
      ...(kind === 'redis' ? { pacing: { store: args.redisUrl } } : {}),
    });
    await client.ready();
    send = (body, signal) => client.messages.create(body, { signal });
    close = () => client.close();
  }
  const bodies = Array.from({ length: args.requests }, (_, i) => ({
    model: MODEL,
    max_tokens: 100,
    messages: [{ role: 'user' as const, content: `Hello from worker ${args.index}, request ${i}!` }],
  }));
  process.send?.({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const result = await runWorkload(send, bodies, args.workers, args.timeLimitMs);
  await close();
  process.send?.({ type: 'result', result });
  process.disconnect();
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect();
});
