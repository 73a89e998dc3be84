/** `claude-retry [prompt]`: the original script's job. Progress on stderr, the reply on stdout. */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import type { Command } from 'commander';
import { createClient } from '../../client/create-client.js';
import type { RetryOptions } from '../../retry/options.js';
import {
  type ApiFlags,
  addApiFlags,
  DEFAULT_MAX_TOKENS,
  DEFAULT_PROMPT,
  resolveApiKey,
  resolveBaseUrl,
  resolveModel,
  retryOptionsFrom,
} from '../api-flags.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import type { ProgramContext } from '../program.js';
import { retryLine } from '../retry-lines.js';

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
    onEvent: (event) => {
      if (event.type === 'retry') io.stderr.write(`${retryLine(event)}\n`);
      else if (options.debug) io.stderr.write(`[debug] ${JSON.stringify(event, debugReplacer)}\n`);
    },
  });
  const message = await client.messages.create(
    {
      model: options.model,
      max_tokens: options.maxTokens,
      messages: [{ role: 'user', content: options.prompt }],
      ...(options.system ? { system: options.system } : {}),
    },
    { signal: io.signal },
  );
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
    .action((prompt: string, flags: ApiFlags & { system?: string; json?: boolean }) => {
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
          },
          io,
        );
    });
}
