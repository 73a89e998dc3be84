import { describe, expect, it } from 'vitest';
import { ItemFeed } from './feed.js';

/** A source that counts how many items were pulled from it, and can be held before the next one. */
function source(items: number[]) {
  let pulled = 0;
  let release: (() => void) | undefined;
  let held = false;
  async function* gen() {
    for (const item of items) {
      if (held) await new Promise<void>((resolve) => (release = resolve));
      pulled++;
      yield item;
    }
  }
  return {
    iterator: gen(),
    pulled: () => pulled,
    hold: () => {
      held = true;
    },
    release: () => release?.(),
  };
}

describe('ItemFeed', () => {
  it('reads only what is taken, then undefined at the end', async () => {
    const s = source([1, 2, 3]);
    const feed = new ItemFeed(s.iterator);
    expect(await feed.take()).toBe(1);
    expect(s.pulled()).toBe(1);
    expect([await feed.take(), await feed.take(), await feed.take()]).toEqual([2, 3, undefined]);
  });

  it('wakes a worker waiting for a slow input with undefined on stop, and gives nothing after', async () => {
    const s = source([1, 2]);
    const feed = new ItemFeed(s.iterator);
    s.hold();
    const waiting = feed.take();
    feed.stop();
    expect(await waiting).toBeUndefined();
    s.release(); // the item that arrives after the stop is not handed out
    expect(await feed.take()).toBeUndefined();
  });

  it('passes a read error on, unless the feed was stopped', async () => {
    const failing = new ItemFeed<number>({ next: () => Promise.reject(new Error('EIO')) });
    await expect(failing.take()).rejects.toThrow('EIO');
    let reject: (error: Error) => void = () => {};
    const stopped = new ItemFeed<number>({ next: () => new Promise((_, r) => (reject = r)) });
    const waiting = stopped.take();
    stopped.stop();
    reject(new Error('premature close'));
    expect(await waiting).toBeUndefined();
  });
});
