/**
 * What the API bills for an image or a PDF, as far as it can be told without decoding pixels.
 * Shared by the pacer's estimate and the simulated API's billing, so the two agree.
 */

/**
 * An image: the API scales one down until it is within about 1,600 tokens before the model sees
 * it, and bills it by its pixels, not by the length of its base64.
 */
export const IMAGE_TOKENS = 1600;

/**
 * A PDF page: the API gives the model each page's text and a picture of it, about 1,500 to 3,000
 * tokens a page; the top of that range is reserved.
 */
export const PDF_PAGE_TOKENS = 3000;

/** When a PDF keeps its page objects in compressed streams, pages are guessed at one per 50 kB. */
const PDF_BYTES_PER_PAGE = 50_000;

const PAGE_OBJECT = /\/Type\s*\/Page(?![A-Za-z])/g;

/** Pages counted once per PDF (a request's retries send the same one). */
const pageCounts = new WeakMap<object, number>();

/** The number of pages of a base64-encoded PDF, at least 1. */
export function pdfPages(base64: string): number {
  const bytes = Buffer.from(base64, 'base64');
  const found = bytes.toString('latin1').match(PAGE_OBJECT)?.length ?? 0;
  return Math.max(1, found > 0 ? found : Math.ceil(bytes.length / PDF_BYTES_PER_PAGE));
}

interface MediaBlock {
  type?: unknown;
  source?: { type?: unknown; data?: unknown; media_type?: unknown } | null;
}

/**
 * Input tokens of an image or a PDF/text document block; undefined for any other block, and for a
 * document given by URL or file id (its size is not in the request).
 */
export function mediaBlockTokens(block: MediaBlock | null | undefined): number | undefined {
  if (block?.type === 'image') return IMAGE_TOKENS;
  if (block?.type !== 'document') return undefined;
  const source = block.source;
  if (!source || typeof source.data !== 'string') return undefined;
  if (source.type === 'text') return Math.ceil(source.data.length / 4);
  if (source.type !== 'base64') return undefined;
  let pages = pageCounts.get(source);
  if (pages === undefined) {
    pages = pdfPages(source.data);
    pageCounts.set(source, pages);
  }
  return pages * PDF_PAGE_TOKENS;
}
