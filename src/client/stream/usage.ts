/**
 * Billing across attempts. Every attempt that got its 200 was billed: its input in full and the
 * output it produced. The final message's `usage` is the sum over all attempts (what the caller was
 * charged); each attempt's own share is in `stream.attempts` and the `attempt` events.
 */
import type { Usage } from '@anthropic-ai/sdk/resources/messages';
import type { AttemptUsage } from './types.js';

/**
 * Tokens for so many characters, when the API did not say: 1 token per 4 characters, rounded up,
 * the usual rule of thumb for English (and the simulated API's own rule).
 */
export function estimateTokens(characters: number): number {
  return Math.ceil(characters / 4);
}

/** Counts for one attempt, from the usage it reported and the characters it received. */
export function attemptUsage(reported: Usage, characters: number, completed: boolean): AttemptUsage {
  return {
    input_tokens: reported.input_tokens,
    // A cut stream never sends its final count: estimate it, but never below what it did report.
    output_tokens: completed
      ? reported.output_tokens
      : Math.max(reported.output_tokens, estimateTokens(characters)),
    cache_creation_input_tokens: reported.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: reported.cache_read_input_tokens ?? 0,
  };
}

/** `base` (the last answer's usage, for its other fields) with the token counts summed over attempts. */
export function billedUsage(base: Usage, attempts: readonly (AttemptUsage | undefined)[]): Usage {
  const total = {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  for (const usage of attempts) {
    if (!usage) continue;
    total.input_tokens += usage.input_tokens;
    total.output_tokens += usage.output_tokens;
    total.cache_creation_input_tokens += usage.cache_creation_input_tokens;
    total.cache_read_input_tokens += usage.cache_read_input_tokens;
  }
  return { ...base, ...total };
}
