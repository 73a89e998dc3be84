/**
 * `claude-retry demo` (and `npm start`): the simulated API with a tight limit, a burst of
 * concurrent requests through the client, the retries as they happen, and a summary. No key, no network.
 */
import type { Command } from 'commander';
import { createClient } from '../../client/create-client.js';
import { startMockServer } from '../../mock/index.js';
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

export async function demoCommand(options: DemoOptions, io: CliIO): Promise<ExitCodeValue> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const server = await startMockServer({ limits: { rpm: options.rpm } });
  try {
    out(`Simulated Anthropic API on ${server.url}: ${options.rpm} requests per minute (${options.rpm / 60} per second).`);
    out(`Sending ${options.requests} requests at once; the server will turn most of them away at first.\n`);
    const summary = await burst(server.url, options, io, out);
    summary.rateLimited = server.stats.rateLimited;
    out('');
    out(
      `Summary: ${summary.requests} requests, ${summary.succeeded} succeeded, ${summary.failed} failed, ` +
        `${summary.retries} retries, ${summary.rateLimited} answers were 429, ${summary.seconds.toFixed(1)} s.`,
    );
    return summary.failed === 0 ? ExitCode.Success : ExitCode.RateLimited;
  } finally {
    await server.close();
  }
}

async function burst(
  baseURL: string,
  options: DemoOptions,
  io: CliIO,
  out: (line: string) => void,
): Promise<DemoSummary> {
  const client = createClient({ apiKey: DEMO_KEY, baseURL, retry: { maxAttempts: 10 } });
  const started = Date.now();
  let retries = 0;
  const results = await Promise.allSettled(
    Array.from({ length: options.requests }, async (_, i) => {
      const tag = `[request ${String(i + 1).padStart(2)}]`;
      const message = await client.messages.create(
        { model: DEMO_MODEL, max_tokens: 100, messages: [{ role: 'user', content: `Hello from request ${i + 1}!` }] },
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
      out(`${tag} Success! ${replyText(message)}`);
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
    .description('watch retries happen against the built-in simulated API (no key, no network)')
    .option('-n, --requests <n>', 'requests in the burst', positiveInteger('--requests'), 10)
    .option('--rpm <n>', "the simulated API's requests-per-minute limit", positiveInteger('--rpm'), 120)
    .action((flags: { requests: number; rpm: number }) => {
      context.run = (io) => demoCommand({ requests: flags.requests, rpm: flags.rpm }, io);
    });
}
