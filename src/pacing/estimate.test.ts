import type { ContentBlockParam, MessageCreateParams } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { countInputTokens } from '../mock/replies.js';
import type { CountTokensRequest } from '../mock/validate.js';
import { chargedFromUsage, estimateCost, estimateInputTokens, InputScale } from './estimate.js';

const bodies: MessageCreateParams[] = [
  { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'Hello!' }] },
  {
    model: 'm',
    max_tokens: 10,
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'x'.repeat(4001) }],
  },
  {
    model: 'm',
    max_tokens: 10,
    system: [{ type: 'text', text: 'You are a test.' }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second block' },
        ],
      },
      { role: 'assistant', content: 'ok' },
      {
        role: 'user',
        content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }],
      },
    ],
  },
];

describe('estimateInputTokens', () => {
  it('counts exactly what the simulated API bills (characters / 4, per block)', () => {
    for (const body of bodies) {
      expect(estimateInputTokens(body)).toBe(countInputTokens(body as unknown as CountTokensRequest));
    }
    expect(bodies.map((b) => estimateInputTokens(b))).toEqual([2, 3 + 1001, 4 + 2 + 3 + 1 + 1600]);
  });

  /** One user message: a media block, then a question. */
  const asking = (media: ContentBlockParam, question: string): MessageCreateParams => ({
    model: 'm',
    max_tokens: 10,
    messages: [{ role: 'user', content: [media, { type: 'text', text: question }] }],
  });
  const billed = (body: MessageCreateParams) => countInputTokens(body as unknown as CountTokensRequest);

  it('counts an image as the 1,600 tokens the API scales it to, not by the size of its base64', () => {
    const photo = 'A'.repeat(4_000_000); // a 3 MB image, base64
    const body = asking(
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: photo } },
      'What is this?',
    );
    expect(estimateInputTokens(body)).toBe(1600 + 4);
    expect(billed(body)).toBe(1600 + 4);
  });

  it('counts a PDF by its pages, as the simulated API bills it', () => {
    const page = '1 0 obj << /Type /Page >> endobj\n'.padEnd(200_000, ' ');
    const data = Buffer.from(`%PDF-1.4\n${page.repeat(2)}`, 'latin1').toString('base64');
    const body = asking(
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } },
      'Sum it up.',
    );
    expect(estimateInputTokens(body)).toBe(2 * 3000 + 3);
    expect(billed(body)).toBe(2 * 3000 + 3);
  });

  it('adds tool definitions, which the real API bills as input', () => {
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const } }];
    const base = bodies[0] as MessageCreateParams;
    expect(estimateInputTokens({ ...base, tools })).toBe(2 + Math.ceil(JSON.stringify(tools).length / 4));
  });
});

describe('estimateCost', () => {
  it('is one request, the input estimate (scaled, rounded up) and the whole max_tokens', () => {
    const body = { ...(bodies[1] as MessageCreateParams), max_tokens: 700 };
    expect(estimateCost(body)).toEqual({ requests: 1, inputTokens: 1004, outputTokens: 700 });
    expect(estimateCost(body, 1.5)).toEqual({ requests: 1, inputTokens: 1506, outputTokens: 700 });
  });
});

describe('chargedFromUsage', () => {
  it('counts cache writes as input and leaves cache reads out', () => {
    expect(
      chargedFromUsage({
        input_tokens: 100,
        output_tokens: 7,
        cache_creation_input_tokens: 50,
        cache_read_input_tokens: 900,
      } as never),
    ).toEqual({ inputTokens: 150, outputTokens: 7 });
    expect(chargedFromUsage(undefined)).toBeUndefined();
    expect(chargedFromUsage({ output_tokens: 1 } as never)).toBeUndefined();
  });
});

describe('InputScale', () => {
  it('starts at 1, takes the first ratio as is, then moves a fifth of the way each answer, within [0.5, 4]', () => {
    const scale = new InputScale();
    expect(scale.get('m')).toBe(1);
    scale.observe('m', 100, 150);
    expect(scale.get('m')).toBe(1.5);
    scale.observe('m', 100, 100);
    expect(scale.get('m')).toBeCloseTo(1.4, 12);
    scale.observe('other', 10, 1000);
    expect(scale.get('other')).toBe(4);
    scale.observe('m', 0, 10); // nothing to learn from an empty estimate
    expect(scale.get('m')).toBeCloseTo(1.4, 12);
  });
});
