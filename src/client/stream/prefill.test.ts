import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { continuationParams, continueBlocker, splitPrefill } from './prefill.js';
import type { StreamParams } from './types.js';

const params: StreamParams = {
  model: 'claude-test',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'Hi' }],
};
const message = (content: unknown[]): Message => ({ content }) as unknown as Message;
const textMessage = (text: string) => message([{ type: 'text', text, citations: null }]);

describe('continueBlocker', () => {
  it('allows a single text block', () => {
    expect(continueBlocker(params, textMessage('Hello'))).toBeUndefined();
  });

  it.each([
    ['nothing', params, undefined, 'nothing to continue'],
    [
      'thinking on',
      { ...params, thinking: { type: 'enabled', budget_tokens: 1024 } },
      textMessage('a'),
      'extended thinking is on',
    ],
    [
      'structured output',
      { ...params, output_config: { format: { type: 'json_schema', schema: {} } } },
      textMessage('a'),
      'structured output is requested',
    ],
    [
      'two blocks',
      params,
      message([
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ]),
      'the answer has more than one content block',
    ],
    [
      'a tool call',
      params,
      message([{ type: 'tool_use', id: 't', name: 'f', input: {} }]),
      'the answer is a tool_use block',
    ],
    [
      'citations',
      params,
      message([{ type: 'text', text: 'a', citations: [{}] }]),
      'the answer has citations',
    ],
    ['only whitespace', params, textMessage(' \n'), 'the answer so far is only whitespace'],
  ] as [string, StreamParams, Message | undefined, string][])('refuses %s', (_name, p, m, reason) => {
    expect(continueBlocker(p, m)).toBe(reason);
  });

  it('allows thinking explicitly disabled', () => {
    expect(continueBlocker({ ...params, thinking: { type: 'disabled' } }, textMessage('a'))).toBeUndefined();
  });
});

describe('splitPrefill', () => {
  it('cuts trailing whitespace, which the API refuses in a prefill', () => {
    expect(splitPrefill('Hello there \n')).toEqual({ prefill: 'Hello there', cut: ' \n' });
    expect(splitPrefill('Hello')).toEqual({ prefill: 'Hello', cut: '' });
  });
});

describe('continuationParams', () => {
  it('adds the partial answer as an assistant turn and lowers max_tokens by its estimate', () => {
    expect(continuationParams(params, 'Hello there')).toEqual({
      ...params,
      max_tokens: 97,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello there' },
      ],
    });
    expect(params.messages).toHaveLength(1);
  });

  it("extends the caller's own prefill, string or blocks", () => {
    const withPrefill: StreamParams = {
      ...params,
      messages: [...params.messages, { role: 'assistant', content: 'Dear' }],
    };
    expect(continuationParams(withPrefill, ' Sir').messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Dear Sir',
    });
    const blocks: StreamParams = {
      ...params,
      messages: [...params.messages, { role: 'assistant', content: [{ type: 'text', text: 'Dear' }] }],
    };
    expect(continuationParams(blocks, ' Sir').messages.at(-1)).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Dear' },
        { type: 'text', text: ' Sir' },
      ],
    });
  });

  it('never asks for fewer than 1 token', () => {
    expect(continuationParams({ ...params, max_tokens: 2 }, 'a long partial answer').max_tokens).toBe(1);
  });
});
