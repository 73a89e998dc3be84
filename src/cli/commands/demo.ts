/**
 * `claude-retry demo` (and `npm start`): the simulated API with a tight limit and the same burst of
 * concurrent requests twice: first with retries only, then with pacing, each with the retries and
 * pacing changes as they happen and a summary. No key, no network.
 */
import type { Command } from 'commander';
import { createClient } from '../../client/create-client.js';
import { startMockServer } from '../../mock/index.js';
import type { PacingOptions } from '../../pacing/options.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { positiveInteger } from '../parse.js';
import type { ProgramContext } from '../program.js';
import { retryLine } from '../retry-lines.js';
import { replyText } from './prompt.js';

export interface DemoOptions {
  /** Requests in the burst. */
  requests: number;
  /** The simulated API's requests-per-minute limit. */
  rpm: number;
}

const DEMO_KEY = 'sk-demo-simulated-key';
const DEMO_MODEL = 'claude-sonnet-4-20250514';

export interface DemoSummary {
  requests: number;
  succeeded: number;
  failed: number;
  retries: number;
  rateLimited: number;
  seconds: number;
}

const ROUNDS: readonly { title: string; pacing: PacingOptions | false }[] = [
  { title: 'Round 1: retries only (pacing off)', pacing: false },
  { title: 'Round 2: with pacing (limits learned from the response headers)', pacing: {} },
];

export async function demoCommand(options: DemoOptions, io: CliIO): Promise<ExitCodeValue> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const summaries: DemoSummary[] = [];
  for (const round of ROUNDS) {
    // A fresh server each round, so both start from a full bucket.
    const server = await startMockServer({ limits: { rpm: options.rpm } });
    try {
      out(`${round.title}`);
      out(
        `Simulated Anthropic API on ${server.url}: ${options.rpm} requests per minute (${options.rpm / 60} per second).`,
      );
      out(`Sending ${options.requests} requests at once.\n`);
      const summary = await burst(server.url, options, round.pacing, io, out);
      summary.rateLimited = server.stats.rateLimited;
      summaries.push(summary);
      out('');
      out(
        `Summary: ${summary.requests} requests, ${summary.succeeded} succeeded, ${summary.failed} failed, ` +
          `${summary.retries} retries, ${summary.rateLimited} answers were 429, ${summary.seconds.toFixed(1)} s.\n`,
      );
    } finally {
      await server.close();
    }
  }
  const [off, on] = summaries as [DemoSummary, DemoSummary];
  out(
    `Pacing sent only what the limit allowed: ${on.rateLimited} answers were 429 instead of ${off.rateLimited}, ` +
      `${on.seconds.toFixed(1)} s instead of ${off.seconds.toFixed(1)} s.`,
  );
  return summaries.every((summary) => summary.failed === 0) ? ExitCode.Success : ExitCode.RateLimited;
}

async function burst(
  baseURL: string,
  options: DemoOptions,
  pacing: PacingOptions | false,
  io: CliIO,
  out: (line: string) => void,
): Promise<DemoSummary> {
  const client = createClient({ apiKey: DEMO_KEY, baseURL, retry: { maxAttempts: 10 }, pacing });
  client.on('pacing', (event) => out(`[pacing    ] ${event.state}: ${event.detail}`));
  const started = Date.now();
  let retries = 0;
  const results = await Promise.allSettled(
    Array.from({ length: options.requests }, async (_, i) => {
      const tag = `[request ${String(i + 1).padStart(2)}]`;
      const message = await client.messages.create(
        {
          model: DEMO_MODEL,
          max_tokens: 100,
          messages: [{ role: 'user', content: `Hello from request ${i + 1}!` }],
        },
        {
          signal: io.signal,
          retry: {
            onRetry: (event) => {
              retries++;
              out(`${tag} ${retryLine(event)}`);
            },
          },
        },
      );
      out(`${tag} Success! ${firstSentence(replyText(message))}`);
    }),
  );
  const failed = results.filter((r) => r.status === 'rejected');
  for (const failure of failed) out(`Failed: ${(failure as PromiseRejectedResult).reason}`);
  return {
    requests: options.requests,
    succeeded: results.length - failed.length,
    failed: failed.length,
    retries,
    rateLimited: 0,
    seconds: (Date.now() - started) / 1000,
  };
}

export function registerDemo(program: Command, context: ProgramContext): void {
  program
    .command('demo')
    .description('watch retries, then pacing, against the built-in simulated API (no key, no network)')
    .option('-n, --requests <n>', 'requests in the burst', positiveInteger('--requests'), 10)
    .option('--rpm <n>', "the simulated API's requests-per-minute limit", positiveInteger('--rpm'), 120)
    .action((flags: { requests: number; rpm: number }) => {
      context.run = (io) => demoCommand({ requests: flags.requests, rpm: flags.rpm }, io);
    });
}

/** The demo shows the start of each reply: enough to see it is one, short enough to keep the retries in view. */
function firstSentence(text: string): string {
  const end = text.search(/[.!?](\s|$)/);
  return end >= 0 && end < 80 ? text.slice(0, end + 1) : `${text.slice(0, 77)}...`;
}
