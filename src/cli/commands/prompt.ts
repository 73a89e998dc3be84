/** `claude-retry [prompt]`: the original script's job. Progress on stderr, the reply on stdout. */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { type Command, Option } from 'commander';
import { createClient } from '../../client/create-client.js';
import { INTERRUPT_POLICIES, type InterruptPolicy } from '../../client/stream/types.js';
import type { ClientPacingOptions } from '../../pacing/shared-store.js';
import type { RetryOptions } from '../../retry/options.js';
import {
  type ApiFlags,
  addApiFlags,
  DEFAULT_MAX_TOKENS,
  DEFAULT_PROMPT,
  pacingOptionsFrom,
  resolveApiKey,
  resolveBaseUrl,
  resolveModel,
  retryOptionsFrom,
} from '../api-flags.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { secondsToMs } from '../parse.js';
import type { ProgramContext } from '../program.js';
import { UsageError } from '../report-error.js';
import { retryLine } from '../retry-lines.js';
import { connectSharedPacing } from '../shared-pacing.js';
import { streamPrompt } from './prompt-stream.js';

export interface PromptCommandOptions {
  prompt: string;
  model: string;
  maxTokens: number;
  system?: string | undefined;
  json: boolean;
  apiKey: string;
  baseURL?: string | undefined;
  timeout?: number | undefined;
  retry: RetryOptions;
  debug: boolean;
  /** Print the reply as it arrives (see prompt-stream.ts). */
  stream?: boolean | undefined;
  onInterrupt?: InterruptPolicy | undefined;
  idleTimeout?: number | undefined;
  /** Pacing options from the flags (--rpm, --redis...); false for --no-pacing. */
  pacing?: ClientPacingOptions | false | undefined;
}

export function replyText(message: Message): string {
  return message.content
    .map((block) => (block.type === 'text' ? block.text : ''))
    .join('')
    .trim();
}

export async function promptCommand(options: PromptCommandOptions, io: CliIO): Promise<ExitCodeValue> {
  const client = createClient({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeout,
    retry: options.retry,
    ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
    onEvent: (event) => {
      // A stream prints its own retry lines, which know what was already printed.
      if (event.type === 'retry') {
        if (!options.stream) io.stderr.write(`${retryLine(event)}\n`);
      } else if (options.debug) io.stderr.write(`[debug] ${JSON.stringify(event, debugReplacer)}\n`);
    },
  });
  try {
    await connectSharedPacing(client, (line) => io.stderr.write(`${line}\n`));
    return await sendPrompt(client, options, io);
  } finally {
    // The Redis connection of --redis must not keep the process alive.
    await client.close();
  }
}

async function sendPrompt(
  client: ReturnType<typeof createClient>,
  options: PromptCommandOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  const params = {
    model: options.model,
    max_tokens: options.maxTokens,
    messages: [{ role: 'user' as const, content: options.prompt }],
    ...(options.system ? { system: options.system } : {}),
  };
  if (options.stream) {
    const { onInterrupt = 'restart', idleTimeout, json } = options;
    return streamPrompt(client, params, { onInterrupt, idleTimeout, json }, io);
  }
  const message = await client.messages.create(params, { signal: io.signal });
  io.stderr.write('Success!\n');
  io.stdout.write(options.json ? `${JSON.stringify(message, null, 2)}\n` : `${replyText(message)}\n`);
  return ExitCode.Success;
}

/** Debug lines show events, not SDK internals: errors become their message and status. */
function debugReplacer(key: string, value: unknown): unknown {
  if (key === 'error' && value instanceof Error) {
    return { name: value.name, message: value.message, status: (value as { status?: number }).status };
  }
  return value;
}

export function registerPrompt(program: Command, context: ProgramContext): void {
  addApiFlags(program)
    .argument('[prompt]', 'what to ask Claude', DEFAULT_PROMPT)
    .option('-s, --system <text>', 'system prompt')
    .option('--json', 'print the whole message as JSON instead of the reply text')
    .option('--stream', 'print the reply as it arrives; a broken stream is retried (see --on-interrupt)')
    .addOption(
      new Option(
        '--on-interrupt <policy>',
        'with --stream, when a stream breaks after text was printed: restart (print the answer again), ' +
          'continue (ask the model to go on from where it stopped), fail (stop with the partial text) (default: restart)',
      ).choices(INTERRUPT_POLICIES),
    )
    .option(
      '--idle-timeout <seconds>',
      'with --stream, how long a stream may stay silent before it counts as stalled (default: 60)',
      secondsToMs('--idle-timeout'),
    )
    .action((prompt: string, flags: ApiFlags & PromptFlags) => {
      checkStreamFlags(flags);
      context.run = async (io) =>
        promptCommand(
          {
            prompt,
            model: resolveModel(flags, io),
            maxTokens: flags.maxTokens ?? DEFAULT_MAX_TOKENS,
            system: flags.system,
            json: Boolean(flags.json),
            apiKey: resolveApiKey(flags, io),
            baseURL: resolveBaseUrl(flags, io),
            timeout: flags.timeout,
            retry: retryOptionsFrom(flags),
            debug: Boolean(flags.debug),
            stream: Boolean(flags.stream),
            onInterrupt: flags.onInterrupt,
            idleTimeout: flags.idleTimeout,
            pacing: pacingOptionsFrom(flags),
          },
          io,
        );
    });
}

interface PromptFlags {
  system?: string;
  json?: boolean;
  stream?: boolean;
  onInterrupt?: InterruptPolicy;
  idleTimeout?: number;
}

/** The streaming flags mean nothing without --stream: say so rather than ignore them. */
function checkStreamFlags(flags: PromptFlags): void {
  for (const [flag, value] of [
    ['--on-interrupt', flags.onInterrupt],
    ['--idle-timeout', flags.idleTimeout],
  ] as const) {
    if (value !== undefined && !flags.stream) {
      throw new UsageError(`${flag} applies only to streamed replies: add --stream.`);
    }
  }
  if (flags.idleTimeout === 0) {
    throw new UsageError('--idle-timeout expects a number of seconds greater than 0, got "0".');
  }
}
