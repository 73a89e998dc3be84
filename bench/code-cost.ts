/**
 * `npm run bench:code`: what each client's own code costs per call, with the network taken away.
 * `fetch` answers at once with a canned 200, so the time per call is the SDK's code plus the
 * client's, without the noise of sockets and another process. Run in a fresh process (the
 * overhead scenario's real-HTTP rounds would leave V8 in another state), clients alternating.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { CONTENDERS } from './contenders.js';
import { scenarios } from './scenarios.js';
import { runWorkload } from './workload.js';

const ROUNDS = 15;
const WARM_UP_ROUNDS = 3;
const CALLS_PER_ROUND = 2000;
const WORKERS = 8;

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

/** The `anthropic-ratelimit-*` headers the real API puts on every answer. */
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

/** µs per call for each client: the mean of the measured rounds. */
async function perCall(
  bodies: readonly MessageCreateParamsNonStreaming[],
  withHeaders: boolean,
): Promise<Map<string, number>> {
  const realFetch = globalThis.fetch;
  const extra = withHeaders ? rateLimitHeaders() : {};
  // A client made while the global fetch is swapped uses it (the SDK reads it when built).
  globalThis.fetch = (async () =>
    new Response(REPLY, {
      status: 200,
      headers: { 'content-type': 'application/json', 'request-id': 'req_stub', ...extra },
    })) as typeof fetch;
  try {
    const clients = CONTENDERS.map((c) => ({ name: c.name, send: c.make('http://127.0.0.1:9') }));
    const totals = new Map<string, number>();
    for (let round = -WARM_UP_ROUNDS; round < ROUNDS; round++) {
      for (let i = 0; i < clients.length; i++) {
        const client = clients[(i + Math.max(0, round)) % clients.length] as (typeof clients)[number];
        const started = process.hrtime.bigint();
        await runWorkload(client.send, bodies, WORKERS, 60_000);
        const us = Number(process.hrtime.bigint() - started) / 1000 / bodies.length;
        if (round >= 0) totals.set(client.name, (totals.get(client.name) ?? 0) + us);
      }
    }
    return new Map([...totals].map(([name, total]) => [name, total / ROUNDS]));
  } finally {
    globalThis.fetch = realFetch;
  }
}

async function main(): Promise<void> {
  const d = scenarios().find((s) => s.key === 'd');
  const base = d?.bodies ?? [];
  const bodies = Array.from({ length: CALLS_PER_ROUND }, (_, i) => base[i % base.length]!);
  const plain = await perCall(bodies, false);
  const withHeaders = await perCall(bodies, true);
  const bare = CONTENDERS[0]?.name ?? '';
  const cell = (map: Map<string, number>, name: string) => {
    const us = map.get(name) ?? 0;
    const more = us - (map.get(bare) ?? 0);
    return `${us.toFixed(1)} us (${more >= 0 ? '+' : ''}${more.toFixed(1)})`;
  };
  const rows = CONTENDERS.map((c) => [c.name, cell(plain, c.name), cell(withHeaders, c.name)]);
  const header = ['client', 'per call', 'with rate-limit headers'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(
    [
      `Each client's code per call with fetch stubbed: ${ROUNDS} rounds of ${CALLS_PER_ROUND} calls, ${WORKERS} at a time,`,
      'after warming up; (+x) is what it adds to the bare SDK. "with rate-limit headers": the answer also',
      'carries the anthropic-ratelimit-* headers the real API sends, which the pacer reads.',
      '',
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...rows.map(line),
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:code failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
