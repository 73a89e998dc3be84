import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('hands over items pushed before and after next() is called, then ends', async () => {
    const queue = new EventQueue<number>(() => {});
    queue.push(1);
    const waiting = queue.next();
    expect(await waiting).toEqual({ value: 1, done: false });
    const later = queue.next();
    queue.push(2);
    expect(await later).toEqual({ value: 2, done: false });
    queue.end();
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('throws the error once, after the items queued before it', async () => {
    const queue = new EventQueue<number>(() => {});
    const failure = new Error('broken');
    queue.push(1);
    queue.end(failure);
    queue.push(2);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    await expect(queue.next()).rejects.toBe(failure);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('return() (a `break`) tells the producer and drops what is left', async () => {
    let stopped = 0;
    const queue = new EventQueue<number>(() => stopped++);
    queue.push(1);
    await queue.return();
    expect(stopped).toBe(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});
