/**
 * The overhead scenario's measuring process: every client under test lives here, in one V8, so each
 * runs on the same warmed SDK code and the same connection pool, and only what a client adds differs.
 * Driven over IPC by bench/overhead.ts with one `measure` message; answers with each round's figures.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { CONTENDERS } from './contenders.js';
import { runWorkload } from './workload.js';

export interface MeasureRequest {
  url: string;
  /** Rounds of calls over a stubbed fetch, per kind of answer (see measureCode). */
  codeRounds: number;
  names: string[];
  bodies: MessageCreateParamsNonStreaming[];
  workers: number;
  warmUpRounds: number;
  rounds: number;
  timeLimitMs: number;
}

/** What a client's own code costs per call, in µs over a stubbed fetch: mean of the rounds. */
export interface CodeFigures {
  name: string;
  /** An answer like the unlimited simulated API's: no rate-limit headers. */
  plainUs: number;
  /** An answer like the real API's: `anthropic-ratelimit-*` headers for requests, input and output. */
  withHeadersUs: number;
}

/** One client's figures in one round. */
export interface RoundFigures {
  name: string;
  cpuUs: number;
  wallMs: number;
  succeeded: number;
  failed: number;
  failures: string[];
}

async function measure(request: MeasureRequest): Promise<RoundFigures[][]> {
  const clients = request.names.map((name) => {
    const contender = CONTENDERS.find((c) => c.name === name);
    if (!contender) throw new Error(`unknown client ${name}`);
    return { name, send: contender.make(request.url) };
  });
  const run = async (client: (typeof clients)[number]): Promise<RoundFigures> => {
    const cpu = process.cpuUsage();
    const result = await runWorkload(client.send, request.bodies, request.workers, request.timeLimitMs);
    const used = process.cpuUsage(cpu);
    const { succeeded, failed, failures, elapsedMs } = result;
    return {
      name: client.name,
      cpuUs: used.user + used.system,
      wallMs: elapsedMs,
      succeeded,
      failed,
      failures,
    };
  };
  // V8 optimises a client's code only after thousands of calls: warming up is not measured.
  for (let i = 0; i < request.warmUpRounds; i++) for (const client of clients) await run(client);
  const rounds: RoundFigures[][] = [];
  for (let round = 0; round < request.rounds; round++) {
    const figures: RoundFigures[] = [];
    // A different order each round, so no client always runs first or last.
    for (let i = 0; i < clients.length; i++) {
      figures.push(await run(clients[(i + round) % clients.length] as (typeof clients)[number]));
    }
    rounds.push(figures);
    process.send?.({ progress: round + 1 });
  }
  return rounds;
}

const REPLY = JSON.stringify({
  id: 'msg_stub',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Hello! A stubbed answer.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 6 },
});

function rateLimitHeaders(): Record<string, string> {
  const reset = new Date(Date.now() + 1000).toISOString();
  const headers: Record<string, string> = {};
  for (const [dimension, limit] of [
    ['requests', 4000],
    ['input-tokens', 2_000_000],
    ['output-tokens', 400_000],
  ] as const) {
    headers[`anthropic-ratelimit-${dimension}-limit`] = String(limit);
    headers[`anthropic-ratelimit-${dimension}-remaining`] = String(limit - 1);
    headers[`anthropic-ratelimit-${dimension}-reset`] = reset;
  }
  return headers;
}

/**
 * The same clients with the network taken away: `fetch` answers at once with a canned 200, so the
 * time per call is the SDK's code plus the client's own, without the noise of sockets and another
 * process. Clients made while the global `fetch` is swapped pick it up (the SDK reads it when built).
 */
async function measureCode(request: MeasureRequest): Promise<CodeFigures[]> {
  const realFetch = globalThis.fetch;
  const perCall = async (withHeaders: boolean): Promise<Map<string, number>> => {
    const extra = withHeaders ? rateLimitHeaders() : {};
    globalThis.fetch = (async () =>
      new Response(REPLY, {
        status: 200,
        headers: { 'content-type': 'application/json', 'request-id': 'req_stub', ...extra },
      })) as typeof fetch;
    try {
      const clients = request.names.map((name) => ({
        name,
        send: (CONTENDERS.find((c) => c.name === name) as (typeof CONTENDERS)[number]).make(request.url),
      }));
      const totals = new Map<string, number>();
      for (let round = -2; round < request.codeRounds; round++) {
        for (let i = 0; i < clients.length; i++) {
          const client = clients[(i + Math.max(0, round)) % clients.length] as (typeof clients)[number];
          const started = process.hrtime.bigint();
          await runWorkload(client.send, request.bodies, request.workers, request.timeLimitMs);
          const us = Number(process.hrtime.bigint() - started) / 1000 / request.bodies.length;
          // The first two rounds warm up.
          if (round >= 0) totals.set(client.name, (totals.get(client.name) ?? 0) + us);
        }
      }
      return new Map([...totals].map(([name, total]) => [name, total / request.codeRounds]));
    } finally {
      globalThis.fetch = realFetch;
    }
  };
  const plain = await perCall(false);
  const withHeaders = await perCall(true);
  return request.names.map((name) => ({
    name,
    plainUs: plain.get(name) ?? 0,
    withHeadersUs: withHeaders.get(name) ?? 0,
  }));
}

process.on('message', (message: MeasureRequest) => {
  (async () => ({ rounds: await measure(message), code: await measureCode(message) }))().then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
