import { describe, expect, it } from 'vitest';
import { IMAGE_TOKENS, mediaBlockTokens, PDF_PAGE_TOKENS, pdfPages } from './media-tokens.js';

/** A small PDF body with `pages` page objects under one page tree. */
function pdf(pages: number): string {
  const kids = Array.from({ length: pages }, (_, i) => `${i + 3} 0 R`).join(' ');
  const objects = [
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    `2 0 obj << /Type /Pages /Kids [${kids}] /Count ${pages} >> endobj`,
    ...Array.from(
      { length: pages },
      (_, i) => `${i + 3} 0 obj << /Type/Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj`,
    ),
  ];
  return Buffer.from(`%PDF-1.4\n${objects.join('\n')}\n%%EOF\n`, 'latin1').toString('base64');
}

describe('pdfPages', () => {
  it('counts the page objects, not the page tree', () => {
    expect(pdfPages(pdf(1))).toBe(1);
    expect(pdfPages(pdf(7))).toBe(7);
  });

  it('guesses one page per 50 kB when the page objects are compressed out of sight', () => {
    const opaque = Buffer.alloc(120_000, 0x41).toString('base64');
    expect(pdfPages(opaque)).toBe(3);
    expect(pdfPages('')).toBe(1);
  });
});

describe('mediaBlockTokens', () => {
  it('bills an image at IMAGE_TOKENS, whatever its size', () => {
    const data = 'A'.repeat(2_000_000);
    expect(mediaBlockTokens({ type: 'image', source: { type: 'base64', data } })).toBe(IMAGE_TOKENS);
    expect(IMAGE_TOKENS).toBe(1600);
  });

  it('bills a base64 PDF by its pages, and a text document by its characters', () => {
    expect(mediaBlockTokens({ type: 'document', source: { type: 'base64', data: pdf(4) } })).toBe(
      4 * PDF_PAGE_TOKENS,
    );
    expect(mediaBlockTokens({ type: 'document', source: { type: 'text', data: 'x'.repeat(10) } })).toBe(3);
  });

  it('leaves other blocks, and documents given by URL, to the caller', () => {
    expect(mediaBlockTokens({ type: 'text' })).toBeUndefined();
    expect(mediaBlockTokens({ type: 'tool_use' })).toBeUndefined();
    expect(mediaBlockTokens({ type: 'document', source: { type: 'url' } })).toBeUndefined();
    expect(mediaBlockTokens(undefined)).toBeUndefined();
  });
});
