import { describe, expect, it } from 'vitest';
import { composeReply, countInputTokens, countTokens, fullReplyText, untruncatedAnswer } from './replies.js';
import type { MessageParam, MessagesRequest } from './validate.js';

const user = (content: string): MessageParam => ({ role: 'user', content });
const assistant = (content: string): MessageParam => ({ role: 'assistant', content });
const request = (messages: MessageParam[], extra: Partial<MessagesRequest> = {}): MessagesRequest => ({
  model: 'm',
  max_tokens: 1000,
  messages,
  ...extra,
});

describe('countTokens', () => {
  it('counts one token per 4 characters, rounded up', () => {
    expect([0, 1, 4, 5, 8, 9].map((n) => countTokens('x'.repeat(n)))).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it('counts system and every message, text blocks one by one', () => {
    expect(
      countInputTokens({
        system: 'abcde', // 2
        messages: [
          user('abcd'), // 1
          {
            role: 'user',
            content: [
              { type: 'text', text: 'abcde' }, // 2
              { type: 'text', text: 'a' }, // 1
            ],
          },
          assistant('abcdefghi'), // 3
        ],
      }),
    ).toBe(9);
    const image = { type: 'image', source: { type: 'base64', data: 'xyz'.repeat(100_000) } };
    expect(countInputTokens({ messages: [{ role: 'user', content: [image] }] })).toBe(1600);
    const toolUse = { type: 'tool_use', id: 't1', name: 'f', input: { q: 'abc' } };
    expect(countInputTokens({ messages: [{ role: 'assistant', content: [toolUse] }] })).toBe(
      countTokens(JSON.stringify(toolUse)),
    );
  });
});

describe('replies', () => {
  it('echo: answers with the text after it', () => {
    expect(fullReplyText([user('please echo:   Hello there')], 1)).toBe('Hello there');
    expect(fullReplyText([user('echo: first'), assistant('x'), user('echo: second')], 1)).toBe('second');
  });

  it('greets deterministically by seed and prompt', () => {
    const a = fullReplyText([user('hi')], 1);
    expect(fullReplyText([user('hi')], 1)).toBe(a);
    const variants = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) =>
        ['hi', 'hey', 'yo'].map((p) => fullReplyText([user(p)], seed)),
      ),
    );
    expect(variants.size).toBeGreaterThan(5);
    expect(a.split(' ').length).toBeGreaterThan(20);
  });

  it('continues a prefill that is a prefix of the full reply with exactly the rest', () => {
    const full = fullReplyText([user('hi')], 4);
    for (const cut of [1, 10, 37, full.length - 1]) {
      const prefill = full.slice(0, cut).trimEnd();
      expect(prefill + untruncatedAnswer([user('hi'), assistant(prefill)], 4)).toBe(full);
    }
    expect(untruncatedAnswer([user('hi'), assistant(full)], 4)).toBe('');
  });

  it('continues a foreign prefill with a deterministic sentence', () => {
    const answer = untruncatedAnswer([user('hi'), assistant('Something else')], 4);
    expect(answer).toMatch(/^ \w/);
    expect(untruncatedAnswer([user('hi'), assistant('Something else')], 4)).toBe(answer);
  });

  it('ends the turn when the whole answer fits', () => {
    const reply = composeReply(request([user('echo: 12345678')]), 1);
    expect(reply).toEqual({
      text: '12345678',
      stopReason: 'end_turn',
      stopSequence: null,
      inputTokens: 4,
      outputTokens: 2,
    });
  });

  it('truncates to max_tokens', () => {
    const reply = composeReply(request([user('echo: abcdefghijklmnopqrstuvwxyz')], { max_tokens: 3 }), 1);
    expect(reply.text).toBe('abcdefghijkl');
    expect(reply.stopReason).toBe('max_tokens');
    expect(reply.outputTokens).toBe(3);
  });

  it('does not split a surrogate pair when truncating', () => {
    const reply = composeReply(request([user('echo: abc😀def')], { max_tokens: 1 }), 1);
    expect(reply.text).toBe('abc');
  });

  it('stops at the earliest stop sequence unless max_tokens comes first', () => {
    const ask = (max_tokens: number) =>
      composeReply(
        request([user('echo: one two three four')], { max_tokens, stop_sequences: ['four', 'three'] }),
        1,
      );
    expect(ask(100)).toMatchObject({ text: 'one two ', stopReason: 'stop_sequence', stopSequence: 'three' });
    expect(ask(1)).toMatchObject({ text: 'one ', stopReason: 'max_tokens', stopSequence: null });
  });

  it('reports at least one output token for an empty answer', () => {
    expect(composeReply(request([user('echo:')]), 1)).toMatchObject({ text: '', outputTokens: 1 });
  });
});
