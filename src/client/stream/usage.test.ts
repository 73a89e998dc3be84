import type { Usage } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { attemptUsage, billedUsage, estimateTokens } from './usage.js';

const reported = {
  input_tokens: 10,
  output_tokens: 3,
  cache_creation_input_tokens: null,
  cache_read_input_tokens: 2,
} as Usage;

describe('usage across attempts', () => {
  it('estimates 1 token per 4 characters, rounded up', () => {
    expect([0, 1, 4, 5, 8].map(estimateTokens)).toEqual([0, 1, 1, 2, 2]);
  });

  it("uses a completed attempt's own count", () => {
    expect(attemptUsage(reported, 400, true)).toEqual({
      input_tokens: 10,
      output_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 2,
    });
  });

  it('estimates an interrupted attempt from what it received, never below what it reported', () => {
    expect(attemptUsage(reported, 41, false).output_tokens).toBe(11);
    expect(attemptUsage(reported, 2, false).output_tokens).toBe(3);
  });

  it('sums every billed attempt and keeps the other fields of the base', () => {
    const base = { ...reported, service_tier: 'standard' } as Usage;
    const a = attemptUsage(reported, 41, false);
    const b = attemptUsage(reported, 0, true);
    expect(billedUsage(base, [undefined, a, b])).toEqual({
      ...base,
      input_tokens: 20,
      output_tokens: 14,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 4,
    });
  });
});
