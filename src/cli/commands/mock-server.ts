/** `claude-retry mock-server`: the simulated Anthropic API, for trying your own app against faults and limits. */
import type { Command } from 'commander';
import {
  type FaultOptions,
  mergeFaultOptions,
  parseFaultSpec,
  type ScriptedStep,
  startMockServer,
} from '../../mock/index.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { positiveInteger } from '../parse.js';
import type { ProgramContext } from '../program.js';
import { UsageError } from '../report-error.js';

export interface MockServerCommandOptions {
  port: number;
  host: string;
  rpm?: number | undefined;
  itpm?: number | undefined;
  otpm?: number | undefined;
  faults: FaultOptions;
  script: ScriptedStep[];
  seed?: number | undefined;
  latencyMs?: number | undefined;
  apiKeys?: string[] | undefined;
}

/** `--script 429,429,ok`: answers for the next requests, in order. */
export function parseScript(text: string): ScriptedStep[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): ScriptedStep => {
      if (part === 'ok') return 'ok';
      if (part === 'reset') return { reset: true };
      if (/^[1-5]\d\d$/.test(part)) return { status: Number(part) };
      throw new UsageError(
        `--script expects a comma-separated list of HTTP statuses, "reset" or "ok" (e.g. 429,429,ok), got "${part}".`,
      );
    });
}

export async function mockServerCommand(
  options: MockServerCommandOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  const limits = {
    ...(options.rpm !== undefined ? { rpm: options.rpm } : {}),
    ...(options.itpm !== undefined ? { itpm: options.itpm } : {}),
    ...(options.otpm !== undefined ? { otpm: options.otpm } : {}),
  };
  let server: Awaited<ReturnType<typeof startMockServer>>;
  try {
    server = await startMockServer({
      port: options.port,
      host: options.host,
      limits,
      faults: options.faults,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
      ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(
        `Port ${options.port} on ${options.host} is already in use: pick another with --port.`,
      );
    }
    throw error;
  }
  if (options.script.length > 0) server.script(...options.script);
  const limitText = Object.entries(limits)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  io.stderr.write(
    `Simulated Anthropic API listening on ${server.url}${limitText ? ` (limits: ${limitText})` : ''}\n` +
      `Try it:  ANTHROPIC_BASE_URL=${server.url} ANTHROPIC_API_KEY=sk-test claude-retry "Say hi"\n` +
      'Press Ctrl-C to stop.\n',
  );
  io.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const { stats } = server;
  await server.close();
  io.stderr.write(
    `Stopped. Served ${stats.requests} requests: ${stats.succeeded} succeeded, ${stats.rateLimited} rate limited (429), ${stats.overloaded} overloaded (529), ${stats.resets} connections reset.\n`,
  );
  return ExitCode.Success;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerMockServer(program: Command, context: ProgramContext): void {
  program
    .command('mock-server')
    .description('run the simulated Anthropic API (rate limits, overloads, faults, streaming) on 127.0.0.1')
    .option(
      '-p, --port <port>',
      'port to listen on (0 picks a free one)',
      (v) => (v === '0' ? 0 : positiveInteger('--port')(v)),
      4141,
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--rpm <n>', 'requests per minute per model', positiveInteger('--rpm'))
    .option('--itpm <n>', 'input tokens per minute per model', positiveInteger('--itpm'))
    .option('--otpm <n>', 'output tokens per minute per model', positiveInteger('--otpm'))
    .option(
      '--fault <spec>',
      'add a fault, repeatable: overload=START-END (ms after start), error-rate=P, reset-rate=P, latency=MS, stream-interrupt=P, stream-interrupt-kind=error|reset|stall',
      collect,
    )
    .option('--script <steps>', 'answer the next requests with these, in order: e.g. 429,429,ok or 529,reset')
    .option('--seed <n>', 'seed for replies and random faults', positiveInteger('--seed'))
    .option(
      '--accept-key <key>',
      'accept only this API key (repeatable; default: any non-empty key)',
      collect,
    )
    .action(
      (flags: {
        port: number;
        host: string;
        rpm?: number;
        itpm?: number;
        otpm?: number;
        fault?: string[];
        script?: string;
        seed?: number;
        acceptKey?: string[];
      }) => {
        context.run = async (io) => {
          let faults: FaultOptions = {};
          for (const spec of flags.fault ?? []) {
            try {
              faults = mergeFaultOptions(faults, parseFaultSpec(spec));
            } catch (error) {
              throw new UsageError(`--fault ${spec}: ${(error as Error).message}`);
            }
          }
          return mockServerCommand(
            {
              port: flags.port,
              host: flags.host,
              rpm: flags.rpm,
              itpm: flags.itpm,
              otpm: flags.otpm,
              faults,
              script: flags.script ? parseScript(flags.script) : [],
              seed: flags.seed,
              apiKeys: flags.acceptKey,
            },
            io,
          );
        };
      },
    );
}
