import { describe, expect, it } from 'vitest';
import type { Reply } from './replies.js';
import { formatEvent, messageEvents, splitIntoChunks } from './sse.js';

describe('splitIntoChunks', () => {
  it.each([
    'one two three four five six seven',
    '  leading and trailing  ',
    ' starts with a space',
    'single',
    '',
    '   ',
    'line\nbreaks\n\nand\ttabs\n',
  ])('joins back to %j', (text) => {
    expect(splitIntoChunks(text).join('')).toBe(text);
  });

  it('puts a few words in each chunk', () => {
    expect(splitIntoChunks('one two three four five six seven')).toEqual([
      'one two three',
      ' four five six',
      ' seven',
    ]);
    expect(splitIntoChunks('a b c', 1)).toEqual(['a', ' b', ' c']);
  });
});

describe('messageEvents', () => {
  it('follows the documented order with cumulative usage at the end', () => {
    const reply: Reply = {
      text: 'one two three four',
      stopReason: 'end_turn',
      stopSequence: null,
      inputTokens: 7,
      outputTokens: 5,
    };
    const events = messageEvents('msg_1', 'claude-x', reply);
    expect(events.map((e) => e.name)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]?.data).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 7,
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    });
    expect(events[6]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 5 },
    });
  });

  it('formats an event as the API does', () => {
    expect(formatEvent('ping', { type: 'ping' })).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});
