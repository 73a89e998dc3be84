import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { CallerView } from './caller-view.js';

function messageStart(id = 'msg_1'): RawMessageStreamEvent {
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 1 },
  } as unknown as Message;
  return { type: 'message_start', message };
}
const blockStart = (index: number, type: 'text' | 'tool_use' = 'text'): RawMessageStreamEvent =>
  ({
    type: 'content_block_start',
    index,
    content_block: type === 'text' ? { type, text: '' } : { type, id: 'tu_1', name: 'f', input: {} },
  }) as RawMessageStreamEvent;
const text = (index: number, t: string): RawMessageStreamEvent =>
  ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } }) as RawMessageStreamEvent;
const blockStop = (index: number): RawMessageStreamEvent => ({ type: 'content_block_stop', index });
const messageDelta: RawMessageStreamEvent = {
  type: 'message_delta',
  delta: { stop_reason: 'end_turn', stop_sequence: null },
  usage: { output_tokens: 9 },
} as unknown as RawMessageStreamEvent;
const messageStop: RawMessageStreamEvent = { type: 'message_stop' };

function setup() {
  const out: RawMessageStreamEvent[] = [];
  const view = new CallerView((event) => out.push(event));
  const feed = (...events: RawMessageStreamEvent[]) => {
    for (const event of events) view.receive(event);
  };
  const deltas = () =>
    out.flatMap((e) =>
      e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [],
    );
  return { out, view, feed, deltas };
}

describe('CallerView', () => {
  it('holds message_start and content_block_start until the first delta', () => {
    const { out, view, feed } = setup();
    view.beginAttempt();
    feed(messageStart(), blockStart(0));
    expect(out).toEqual([]);
    expect(view.hasContent).toBe(false);
    feed(text(0, 'Hi'));
    expect(out.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(view.hasContent).toBe(true);
  });

  it('drops what an abandoned attempt held, so a retry before content is invisible', () => {
    const { out, view, feed } = setup();
    view.beginAttempt();
    feed(messageStart('msg_a'), blockStart(0));
    view.abandonAttempt();
    view.beginAttempt();
    feed(messageStart('msg_b'), blockStart(0), text(0, 'Hi'), blockStop(0), messageDelta, messageStop);
    expect(out.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(view.message?.id).toBe('msg_b');
  });

  it('holds content_block_stop and message_delta until the next delta or message_stop', () => {
    const { out, view, feed } = setup();
    view.beginAttempt();
    feed(messageStart(), blockStart(0), text(0, 'Hi'), blockStop(0), messageDelta);
    expect(out.at(-1)?.type).toBe('content_block_delta');
    expect(view.message?.stop_reason).toBeNull();
  });

  it('reset() forgets everything and returns the discarded text', () => {
    const { view, feed } = setup();
    view.beginAttempt();
    feed(messageStart(), blockStart(0), text(0, 'Hello'), text(0, ' there'));
    expect(view.reset()).toBe('Hello there');
    expect(view.message).toBeUndefined();
    expect(view.hasContent).toBe(false);
  });

  it('a continuation joins the open text block: no second message_start or block start', () => {
    const { out, view, feed } = setup();
    view.beginAttempt();
    feed(messageStart('msg_1'), blockStart(0), text(0, 'Hello'));
    view.abandonAttempt();
    view.beginAttempt('');
    feed(messageStart('msg_2'), blockStart(0), text(0, ' world'), blockStop(0), messageDelta, messageStop);
    expect(out.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(view.message?.id).toBe('msg_1');
    expect(view.message?.content).toEqual([{ type: 'text', text: 'Hello world' }]);
    expect(view.message?.stop_reason).toBe('end_turn');
  });

  it('a continuation that starts with a tool call adds a block after the text', () => {
    const { out, view, feed } = setup();
    view.beginAttempt();
    feed(messageStart(), blockStart(0), text(0, 'Let me check'));
    view.beginAttempt('');
    feed(messageStart(), blockStart(0, 'tool_use'), blockStop(0), messageDelta, messageStop);
    expect(out.filter((e) => e.type === 'content_block_start').map((e) => 'index' in e && e.index)).toEqual([
      0, 1,
    ]);
    expect(view.message?.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
  });

  describe('lines up whitespace cut from the prefill', () => {
    const cases: [string, string, string[], string][] = [
      // caller has, cut off, continuation deltas, caller ends with
      ['Hello ', ' ', [' world'], 'Hello world'],
      ['Hello ', ' ', [' ', 'world'], 'Hello world'],
      ['Hello ', ' ', ['world'], 'Hello world'],
      ['Hello\n', '\n', ['\n\nworld'], 'Hello\n\nworld'],
      ['Hello  ', '  ', [' world'], 'Hello  world'],
      ['Hello ', ' ', ['\n\nworld'], 'Hello \n\nworld'],
      ['Hello ', ' ', [' '], 'Hello '],
    ];
    it.each(cases)('caller %j (cut %j) + %j gives %j', (had, cut, continuation, expected) => {
      const { view, feed } = setup();
      view.beginAttempt();
      feed(messageStart(), blockStart(0), text(0, had));
      view.beginAttempt(cut);
      feed(
        messageStart(),
        blockStart(0),
        ...continuation.map((t) => text(0, t)),
        blockStop(0),
        messageDelta,
        messageStop,
      );
      expect(view.text).toBe(expected);
    });

    it('hands nothing over while the continuation is only whitespace', () => {
      const { out, view, feed } = setup();
      view.beginAttempt();
      feed(messageStart(), blockStart(0), text(0, 'Hello '));
      const before = out.length;
      view.beginAttempt(' ');
      feed(messageStart(), blockStart(0), text(0, ' '), text(0, '\t'));
      expect(out.length).toBe(before);
      feed(text(0, 'x'));
      expect(view.text).toBe('Hello \tx');
    });
  });
});
