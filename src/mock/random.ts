/** A seeded generator of floats in [0, 1) (mulberry32): tiny, fast and good enough for a simulator. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over the UTF-16 code units of `text`, started from a state mixed with `seed`. */
export function hashText(seed: number, text: string): number {
  let hash = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A deterministic id such as `req_01Ab...` (24 characters after the prefix) for the n-th object of a kind. */
export function makeId(prefix: string, seed: number, n: number): string {
  const next = seededRandom(hashText(seed, `${prefix}:${n}`));
  let body = '01';
  while (body.length < 24) body += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return `${prefix}${body}`;
}
