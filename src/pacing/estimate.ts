/**
 * What a request will cost before it is sent, as the API charges it: one request, its input tokens
 * and its `max_tokens` of output (charged in full at admission, refunded when the answer ends).
 * Input is estimated at one token per 4 characters, with images and PDFs as the API bills them
 * (see media-tokens.ts): the rules the simulated API bills by.
 */
import type { MessageCreateParams, Usage } from '@anthropic-ai/sdk/resources/messages';
import { mediaBlockTokens } from '../internal/media-tokens.js';

export interface RequestCost {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** One token per 4 UTF-16 code units, rounded up. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function blockTokens(block: { type?: unknown; text?: unknown }): number {
  if (block?.type === 'text' && typeof block.text === 'string') return estimateTextTokens(block.text);
  return mediaBlockTokens(block) ?? estimateTextTokens(JSON.stringify(block) ?? '');
}

function contentTokens(content: unknown): number {
  if (typeof content === 'string') return estimateTextTokens(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const block of content as { type?: unknown; text?: unknown }[]) total += blockTokens(block);
  return total;
}

/** Input tokens of a request: system prompt, every message, and tool definitions (as JSON). */
export function estimateInputTokens(
  params: Pick<MessageCreateParams, 'system' | 'messages' | 'tools'>,
): number {
  let total = params.system === undefined ? 0 : contentTokens(params.system);
  for (const message of params.messages ?? []) total += contentTokens(message.content);
  if (params.tools && params.tools.length > 0) total += estimateTextTokens(JSON.stringify(params.tools));
  return total;
}

/**
 * The cost to reserve. `inputScale` (learned from `usage`, see `InputScale`) stretches the estimate
 * when the server counts more tokens than characters / 4 suggests.
 */
export function estimateCost(
  params: MessageCreateParams,
  inputScale = 1,
  rawInput = estimateInputTokens(params),
): RequestCost {
  const maxTokens = typeof params.max_tokens === 'number' && params.max_tokens > 0 ? params.max_tokens : 0;
  return { requests: 1, inputTokens: Math.ceil(rawInput * inputScale), outputTokens: maxTokens };
}

/** What the server says it charged, from `usage`: cache writes count as input, cache reads do not. */
export function chargedFromUsage(
  usage: Usage | undefined,
): { inputTokens: number; outputTokens: number } | undefined {
  if (!usage || typeof usage.input_tokens !== 'number' || typeof usage.output_tokens !== 'number')
    return undefined;
  return {
    inputTokens: usage.input_tokens + (usage.cache_creation_input_tokens ?? 0),
    outputTokens: usage.output_tokens,
  };
}

/**
 * A per-model correction factor for the input estimate: the ratio the server's count bears to
 * ours, smoothed so one odd request does not swing it, and kept within [0.5, 4].
 */
export class InputScale {
  private readonly factors = new Map<string, number>();

  get(model: string): number {
    return this.factors.get(model) ?? 1;
  }

  /** Learns from one answer: `raw` is the unscaled estimate, `actual` what the server counted. */
  observe(model: string, raw: number, actual: number): void {
    if (!(raw > 0) || !(actual >= 0)) return;
    const ratio = Math.min(4, Math.max(0.5, actual / raw));
    const previous = this.factors.get(model);
    this.factors.set(model, previous === undefined ? ratio : previous * 0.8 + ratio * 0.2);
  }
}
