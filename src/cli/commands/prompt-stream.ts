/**
 * `claude-retry --stream`: the reply printed as it arrives. When a stream breaks, stderr says so and
 * the run carries on per --on-interrupt, and stdout never holds a garbled mix:
 * - on a terminal, `restart` starts a new line and says on stderr that what follows replaces the
 *   text above; `continue` simply keeps printing (its notices wait until the answer is complete,
 *   so they do not land in the middle of the text);
 * - when stdout is a file or a pipe, text printed there cannot be taken back: with `restart` the
 *   final text is printed once, at the end; `continue` and `fail` print as the text arrives. (A
 *   `continue` falls back to a restart only when the answer so far is whitespace, the prompt being
 *   plain text: then that whitespace stays in front of the answer.)
 */
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import type { ClaudeRetryClient } from '../../client/create-client.js';
import {
  interruptionName,
  isStreamInterruptedError,
  type StreamInterruptedError,
} from '../../client/stream/errors.js';
import type { InterruptPolicy, StreamRetryEvent } from '../../client/stream/types.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { formatSeconds, retryLine } from '../retry-lines.js';

export interface StreamPromptOptions {
  onInterrupt: InterruptPolicy;
  idleTimeout?: number | undefined;
  json: boolean;
}

function interruptedWhat(event: StreamRetryEvent): string {
  return interruptionName(
    event.reason,
    isStreamInterruptedError(event.error) ? event.error.errorType : undefined,
  );
}

/** The stderr line for a retry: the usual one before any text, a stream-specific one after. */
export function streamRetryLine(event: StreamRetryEvent, live: boolean, after = false): string {
  // Refused before the 200 (a 429, a 529...): the usual line, even while continuing an answer.
  if (!event.midStream) return retryLine(event);
  const what = `Stream interrupted (${interruptedWhat(event)})`;
  const wait = `${formatSeconds(event.delay)} seconds`;
  switch (event.action) {
    case 'retry':
      return `${what} before any text arrived. Retrying in ${wait}...`;
    case 'restart':
      return live
        ? `${what} after ${event.charactersHandedOver} characters; restarting in ${wait}. The answer below replaces the text above.`
        : `${what} after ${event.charactersHandedOver} characters; restarting in ${wait} (only the final answer is printed)...`;
    case 'continue':
      return after
        ? `${what} after ${event.charactersHandedOver} characters; the rest was asked for and joined on.`
        : `${what} after ${event.charactersHandedOver} characters; continuing from there in ${wait}...`;
  }
}

function exitCodeFor(error: StreamInterruptedError): ExitCodeValue {
  if (error.kind === 'rate_limit' || error.kind === 'overloaded') return ExitCode.RateLimited;
  if (error.kind === 'connection' || error.kind === 'timeout' || error.kind === 'stream_interrupted') {
    return ExitCode.Network;
  }
  return ExitCode.Api;
}

export async function streamPrompt(
  client: ClaudeRetryClient,
  params: MessageCreateParamsNonStreaming,
  options: StreamPromptOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  const live = !options.json && (io.stdout.isTTY || options.onInterrupt !== 'restart');
  const deferNotices = io.stdout.isTTY && io.stderr.isTTY;
  const deferred: string[] = [];
  let onScreen = '';
  const stream = client.messages.stream(params, {
    signal: io.signal,
    onInterrupt: options.onInterrupt,
    ...(options.idleTimeout !== undefined ? { idleTimeout: options.idleTimeout } : {}),
  });
  stream.on('text', (delta) => {
    if (!live) return;
    io.stdout.write(delta);
    onScreen += delta;
  });
  stream.on('retry', (event) => {
    if (event.action === 'restart' && onScreen !== '') {
      io.stdout.write('\n');
      onScreen = '';
    }
    if (event.action === 'continue' && live && deferNotices)
      deferred.push(streamRetryLine(event, live, true));
    else io.stderr.write(`${streamRetryLine(event, live)}\n`);
  });

  let message: Message;
  try {
    message = await stream.finalMessage();
  } catch (error) {
    if (onScreen !== '') io.stdout.write('\n');
    if (!isStreamInterruptedError(error) || !error.partialMessage) throw error;
    // Nothing is lost: the partial answer goes to stdout (if it is not there already), flagged on stderr.
    if (!live) io.stdout.write(`${error.partialText}\n`);
    io.stderr.write(`Error: ${error.message}\n`);
    io.stderr.write(
      `The answer is incomplete: the ${error.partialText.length} characters received are on stdout.\n`,
    );
    return exitCodeFor(error);
  }
  if (options.json) io.stdout.write(`${JSON.stringify(message, null, 2)}\n`);
  else if (live) io.stdout.write('\n');
  // The same bytes the command prints without --stream.
  else io.stdout.write(`${textOfMessage(message).trim()}\n`);
  for (const line of deferred) io.stderr.write(`${line}\n`);
  io.stderr.write('Success!\n');
  return ExitCode.Success;
}

function textOfMessage(message: Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}
