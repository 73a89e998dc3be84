import { mediaBlockTokens } from '../internal/media-tokens.js';
import { hashText, seededRandom } from './random.js';
import type { ContentBlock, CountTokensRequest, MessageParam, MessagesRequest } from './validate.js';
import { textOf } from './validate.js';

/** The simulator's token estimate: one token per 4 UTF-16 code units, rounded up. */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function countContent(content: string | ContentBlock[]): number {
  if (typeof content === 'string') return countTokens(content);
  let total = 0;
  for (const block of content) {
    if (block.type === 'text') total += countTokens(block.text ?? '');
    else total += mediaBlockTokens(block) ?? countTokens(JSON.stringify(block));
  }
  return total;
}

/**
 * Input tokens of a request as the simulator bills them: `countTokens` of the system prompt plus
 * `countTokens` of every message (each text block counted on its own, images and PDFs as the real
 * API bills them (see media-tokens.ts), other blocks as their JSON).
 */
export function countInputTokens(request: Pick<CountTokensRequest, 'system' | 'messages'>): number {
  let total = request.system === undefined ? 0 : countContent(request.system);
  for (const message of request.messages) total += countContent(message.content);
  return total;
}

const OPENINGS = [
  'Hello! I am a simulated Claude model answering from a local test server.',
  'Hi there. This reply comes from the claude-retry mock of the Messages API.',
  'Greetings from the simulator: no real model was called to write this.',
  'Good day! You are talking to a deterministic stand-in for the Anthropic API.',
];
const MIDDLES = [
  'Every answer depends only on the seed and on what you sent,',
  'The same prompt and the same seed always give the same words,',
  'Rate limits, overloads and dropped connections can all be simulated here,',
  'Nothing in this text is meaningful beyond being stable and easy to check,',
];
const CLOSINGS = [
  'so tests can compare replies exactly.',
  'which makes retries and resumed streams easy to verify.',
  'so a client can be exercised without spending real tokens.',
  'and a stitched stream must read exactly like an uninterrupted one.',
];
const CONTINUATIONS = [
  ' and that is where the simulated answer ends.',
  ' which the simulator continues with this fixed sentence.',
  ' so the mock adds a deterministic ending here.',
];

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

function lastUserText(messages: readonly MessageParam[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as MessageParam;
    if (message.role === 'user') return textOf(message.content);
  }
  return '';
}

/**
 * The whole reply (before `max_tokens` or stop sequences) to a conversation that ends with a user
 * turn: the text after the first `echo:` of the last user message, or a greeting of three sentences
 * chosen by a seeded hash of that message.
 */
export function fullReplyText(messages: readonly MessageParam[], seed: number): string {
  const prompt = lastUserText(messages);
  const echo = prompt.indexOf('echo:');
  if (echo >= 0) return prompt.slice(echo + 'echo:'.length).trimStart();
  const next = seededRandom(hashText(seed, prompt));
  return `${pick(OPENINGS, next)} ${pick(MIDDLES, next)} ${pick(CLOSINGS, next)}`;
}

/**
 * What the model writes for this request before any cut. When the last message is an assistant
 * prefill that is a prefix of the reply the same conversation would get without it, the answer is
 * the rest of that reply, so prefill + answer equals the uninterrupted reply.
 */
export function untruncatedAnswer(messages: readonly MessageParam[], seed: number): string {
  const last = messages[messages.length - 1];
  if (last?.role !== 'assistant') return fullReplyText(messages, seed);
  const prefill = textOf(last.content);
  const full = fullReplyText(messages.slice(0, -1), seed);
  if (full.startsWith(prefill)) return full.slice(prefill.length);
  return pick(CONTINUATIONS, seededRandom(hashText(seed, prefill)));
}

export interface Reply {
  text: string;
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence';
  stopSequence: string | null;
  inputTokens: number;
  outputTokens: number;
}

/** Cuts at `limit` code units without splitting a surrogate pair. */
function cutAt(text: string, limit: number): string {
  if (limit >= text.length) return text;
  const code = text.charCodeAt(limit);
  const end = code >= 0xdc00 && code <= 0xdfff ? limit - 1 : limit;
  return text.slice(0, Math.max(0, end));
}

/** The reply to a validated request: stop sequences and `max_tokens` applied, usage counted. */
export function composeReply(request: MessagesRequest, seed: number): Reply {
  const answer = untruncatedAnswer(request.messages, seed);
  let end = answer.length;
  let stopSequence: string | null = null;
  for (const stop of request.stop_sequences ?? []) {
    const at = answer.indexOf(stop);
    if (at >= 0 && at < end) {
      end = at;
      stopSequence = stop;
    }
  }
  const maxChars = request.max_tokens * 4;
  let stopReason: Reply['stopReason'] = stopSequence === null ? 'end_turn' : 'stop_sequence';
  if (maxChars < end) {
    end = maxChars;
    stopReason = 'max_tokens';
    stopSequence = null;
  }
  const text = cutAt(answer, end);
  return {
    text,
    stopReason,
    stopSequence,
    inputTokens: countInputTokens(request),
    // A real model always emits at least one token, even for an empty text.
    outputTokens: Math.max(1, countTokens(text)),
  };
}
