import { describe, expect, it } from 'vitest';
import { validateCountTokensRequest, validateMessagesRequest } from './validate.js';

const good = { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

describe('validateMessagesRequest', () => {
  it('accepts a minimal body, any model name and the pass-through fields', () => {
    expect(validateMessagesRequest(good)).toEqual({ ok: true, value: good });
    const rich = {
      ...good,
      model: 'some-future-model',
      system: [{ type: 'text', text: 'be brief' }],
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'u' },
      tools: [],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image', source: {} },
          ],
        },
        { role: 'assistant', content: 'Sure' },
      ],
    };
    expect(validateMessagesRequest(rich).ok).toBe(true);
  });

  it.each<[string, unknown]>([
    ['body: Input should be a valid dictionary', []],
    ['model: Field required', { ...good, model: undefined }],
    ['model: Input should be a valid string', { ...good, model: 3 }],
    ['max_tokens: Field required', { ...good, max_tokens: undefined }],
    ['max_tokens: Input should be a valid integer', { ...good, max_tokens: 1.5 }],
    ['max_tokens: Input should be a valid integer', { ...good, max_tokens: '10' }],
    ['max_tokens: Input should be greater than or equal to 1', { ...good, max_tokens: 0 }],
    ['messages: Field required', { ...good, messages: undefined }],
    ['messages: Input should be a list', { ...good, messages: 'hi' }],
    ['messages: at least one message is required', { ...good, messages: [] }],
    ['messages.0: Input should be a valid dictionary', { ...good, messages: ['hi'] }],
    ['messages.0.role: Field required', { ...good, messages: [{ content: 'hi' }] }],
    [
      "messages.1.role: Input should be 'user' or 'assistant'",
      { ...good, messages: [good.messages[0], { role: 'system', content: 'x' }] },
    ],
    ['messages.0.content: Field required', { ...good, messages: [{ role: 'user' }] }],
    [
      'messages.0.content: Input should be a valid string or list',
      { ...good, messages: [{ role: 'user', content: 5 }] },
    ],
    [
      'messages.0.content.0.type: Field required',
      { ...good, messages: [{ role: 'user', content: [{ text: 'a' }] }] },
    ],
    [
      'messages.0.content.0.text: Field required',
      { ...good, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    ],
    [
      'messages: final assistant content cannot end with trailing whitespace',
      { ...good, messages: [good.messages[0], { role: 'assistant', content: 'Hello ' }] },
    ],
    ['system: Input should be a valid string or list', { ...good, system: 1 }],
    ['temperature: Extra inputs are not permitted', { ...good, temperature: 0.5 }],
    ['top_p: Extra inputs are not permitted', { ...good, top_p: 0.5 }],
    ['top_k: Extra inputs are not permitted', { ...good, top_k: 5 }],
    ['stop_sequences: Input should be a valid list', { ...good, stop_sequences: 'END' }],
    ['stop_sequences.1: Input should be a valid string', { ...good, stop_sequences: ['a', 1] }],
    ['stream: Input should be a valid boolean', { ...good, stream: 'yes' }],
  ])('%s', (message, body) => {
    expect(validateMessagesRequest(JSON.parse(JSON.stringify(body)))).toEqual({ ok: false, message });
  });
});

describe('validateCountTokensRequest', () => {
  it('takes the Messages body without max_tokens and stream', () => {
    const { max_tokens: _, ...body } = good;
    expect(validateCountTokensRequest(body).ok).toBe(true);
    expect(validateCountTokensRequest(good)).toEqual({
      ok: false,
      message: 'max_tokens: Extra inputs are not permitted',
    });
    expect(validateCountTokensRequest({ ...body, stream: true })).toEqual({
      ok: false,
      message: 'stream: Extra inputs are not permitted',
    });
    expect(validateCountTokensRequest({ model: 'm' })).toEqual({
      ok: false,
      message: 'messages: Field required',
    });
  });
});
