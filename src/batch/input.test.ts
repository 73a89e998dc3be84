import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countItems, type InputFormat, type InputItem, lineId, readInput } from './input.js';

const defaults = { model: 'claude-test', maxTokens: 50 };

async function items(text: string, format: InputFormat = 'jsonl'): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const item of readInput(Readable.from([Buffer.from(text)]), format, defaults)) out.push(item);
  return out;
}

const user = (content: string) => [{ role: 'user', content }];

describe('readInput (JSONL)', () => {
  it('reads {"custom_id","params"} lines and fills in the default model and max_tokens', async () => {
    const text =
      `${JSON.stringify({ custom_id: 'a1', params: { messages: user('hi') } })}\n` +
      `${JSON.stringify({ custom_id: 'a2', params: { model: 'other', max_tokens: 5, messages: user('yo') } })}\n`;
    expect(await items(text)).toEqual([
      {
        kind: 'request',
        line: 1,
        customId: 'a1',
        params: { model: 'claude-test', max_tokens: 50, messages: user('hi') },
      },
      {
        kind: 'request',
        line: 2,
        customId: 'a2',
        params: { model: 'other', max_tokens: 5, messages: user('yo') },
      },
    ]);
  });

  it('reads the {"custom_id","prompt"} shorthand as one user message', async () => {
    expect(await items('{"custom_id":"p","prompt":"Say hi"}')).toEqual([
      {
        kind: 'request',
        line: 1,
        customId: 'p',
        params: { model: 'claude-test', max_tokens: 50, messages: user('Say hi') },
      },
    ]);
  });

  it('skips blank lines but keeps counting them, and ignores a byte-order mark', async () => {
    const got = await items('\uFEFF{"custom_id":"a","prompt":"x"}\n\n   \n{"custom_id":"b","prompt":"y"}\n');
    expect(got.map((i) => [i.line, i.customId])).toEqual([
      [1, 'a'],
      [4, 'b'],
    ]);
  });

  it.each([
    ['not json', 'line-000001', /^not valid JSON \(/],
    ['[1,2]', 'line-000001', /^expected a JSON object such as/],
    ['{"params":{}}', 'line-000001', /^"custom_id" is missing/],
    [
      '{"custom_id":"a b","prompt":"x"}',
      'line-000001',
      /^"custom_id" must be 1 to 64 letters, digits, "-" or "_".*got "a b"$/,
    ],
    [`{"custom_id":"${'x'.repeat(65)}","prompt":"x"}`, 'line-000001', /^"custom_id" must be 1 to 64/],
    ['{"custom_id":7,"prompt":"x"}', 'line-000001', /got 7$/],
    ['{"custom_id":"a"}', 'a', /^"params" \(a Messages request\) is missing; or give a "prompt"$/],
    ['{"custom_id":"a","prompt":"x","params":{}}', 'a', /^give either "params" or "prompt", not both$/],
    ['{"custom_id":"a","prompt":""}', 'a', /^"prompt" must be a non-empty string$/],
    ['{"custom_id":"a","params":{"messages":[]}}', 'a', /^params\.messages is empty/],
    ['{"custom_id":"a","params":"hello"}', 'a', /^"params" must be a JSON object/],
  ])('turns %s into an invalid item for %s', async (line, customId, message) => {
    const [item] = await items(line);
    expect(item).toMatchObject({ kind: 'invalid', line: 1, customId });
    expect((item as { message: string }).message).toMatch(message);
  });
});

describe('readInput (prompts)', () => {
  it('makes one request per non-blank line, with ids from line numbers', async () => {
    const got = await items('first prompt\r\n\nthird {"not": "json"}\n', 'prompts');
    expect(got).toEqual([
      {
        kind: 'request',
        line: 1,
        customId: 'line-000001',
        params: { model: 'claude-test', max_tokens: 50, messages: user('first prompt') },
      },
      {
        kind: 'request',
        line: 3,
        customId: 'line-000003',
        params: { model: 'claude-test', max_tokens: 50, messages: user('third {"not": "json"}') },
      },
    ]);
  });
});

describe('lineId and countItems', () => {
  it('pads line ids to six digits and keeps growing past them', () => {
    expect(lineId(42)).toBe('line-000042');
    expect(lineId(1_234_567)).toBe('line-1234567');
  });

  it('counts non-blank lines, with or without a final newline, across chunks', async () => {
    expect(await countItems(Readable.from([Buffer.from('a\n\n  \nb\r\nc')]))).toBe(3);
    expect(await countItems(Readable.from([Buffer.from('a\nb'), Buffer.from('c\n')]))).toBe(2);
    expect(await countItems(Readable.from([]))).toBe(0);
  });
});
