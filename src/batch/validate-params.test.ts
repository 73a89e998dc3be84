import { describe, expect, it } from 'vitest';
import { checkParams } from './validate-params.js';

const ok = { model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

describe('checkParams', () => {
  it('accepts a plain request, content blocks, a system prompt and fields it does not know', () => {
    expect(checkParams(ok)).toBeUndefined();
    expect(
      checkParams({
        ...ok,
        system: [{ type: 'text', text: 'be brief' }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'image', source: {} },
            ],
          },
        ],
        metadata: { user_id: 'u1' },
        some_future_field: true,
      }),
    ).toBeUndefined();
  });

  it.each([
    [null, '"params" must be a JSON object holding a Messages request, got null'],
    [{ ...ok, model: undefined }, 'params.model is missing and no default model was given (--model)'],
    [{ ...ok, model: '' }, 'params.model must be a non-empty string, got ""'],
    [
      { ...ok, max_tokens: undefined },
      'params.max_tokens is missing and no default was given (--max-tokens)',
    ],
    [{ ...ok, max_tokens: 0 }, 'params.max_tokens must be a whole number of 1 or more, got 0'],
    [{ ...ok, max_tokens: '10' }, 'params.max_tokens must be a whole number of 1 or more, got "10"'],
    [
      { ...ok, messages: undefined },
      'params.messages is missing: give a list such as [{"role":"user","content":"Hello"}]',
    ],
    [{ ...ok, messages: 'hi' }, 'params.messages must be a list of messages, got "hi"'],
    [{ ...ok, messages: [] }, 'params.messages is empty: give at least one message'],
    [{ ...ok, messages: ['hi'] }, 'params.messages[0] must be an object with "role" and "content"'],
    [
      { ...ok, messages: [{ role: 'system', content: 'x' }] },
      'params.messages[0].role must be "user" or "assistant", got "system" (a system prompt goes in params.system)',
    ],
    [{ ...ok, messages: [{ role: 'user' }] }, 'params.messages[0].content is missing'],
    [
      { ...ok, messages: [{ role: 'user', content: 5 }] },
      'params.messages[0].content must be a string or a list of content blocks, got 5',
    ],
    [
      { ...ok, messages: [{ role: 'user', content: [{ text: 'x' }] }] },
      'params.messages[0].content[0].type is missing: every content block names its type',
    ],
    [
      { ...ok, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      'params.messages[0].content[0].text must be a string',
    ],
    [{ ...ok, system: 5 }, 'params.system must be a string or a list of text blocks, got 5'],
    [{ ...ok, stop_sequences: 'END' }, 'params.stop_sequences must be a list of strings, got "END"'],
    [
      { ...ok, stream: true },
      'params.stream must not be true: a batch sends ordinary (non-streaming) requests; remove "stream"',
    ],
    [
      { ...ok, temperature: 0.2 },
      'params.temperature is not accepted by the current Messages API (version 2026-10-21); remove it',
    ],
  ])('refuses %j with a message that says what to fix', (params, message) => {
    expect(checkParams(params)).toBe(message);
  });
});
