/**
 * What the caller has been handed, and the rules that decide what to hand over next.
 *
 * - Nothing reaches the caller before the first content delta: `message_start` and
 *   `content_block_start` are held back, so an attempt that breaks before producing content can be
 *   retried without the caller ever knowing.
 * - After that, structural events (`content_block_stop`, `message_delta`, a new block's start) are
 *   held until the next delta or `message_stop`. So when a stream breaks, the caller's last block is
 *   still open and the message has no stop reason: a continuation can extend it seamlessly.
 * - When continuing, the new attempt's `message_start` and first text block's start are dropped and
 *   its deltas join the caller's open block, so the caller sees one message.
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { MessageAccumulator, textOf } from './accumulate.js';

type DeltaEvent = Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>;

/** How a continuation's blocks map onto the caller's. */
interface Continuation {
  /** Index of the caller's open text block. */
  readonly base: number;
  /** Decided at the continuation's first block: text joins the caller's block, anything else follows it. */
  mergesFirstBlock: boolean | undefined;
  /** Trailing whitespace the caller has but the prefill lacked (the API refuses it in a prefill). */
  readonly cut: string;
  /** The continuation's leading whitespace, held until we know how it lines up with `cut`. */
  pending: string;
  settled: boolean;
}

export class CallerView {
  private accumulator = new MessageAccumulator();
  private held: RawMessageStreamEvent[] = [];
  private continuation: Continuation | undefined;
  private deltasHandedOver = 0;

  constructor(
    private readonly handOver: (event: RawMessageStreamEvent, snapshot: Message | undefined) => void,
  ) {}

  /** The message as the caller has it. */
  get message(): Message | undefined {
    return this.accumulator.message;
  }

  /** True once any content was handed to the caller. */
  get hasContent(): boolean {
    return this.deltasHandedOver > 0;
  }

  get text(): string {
    return this.message ? textOf(this.message) : '';
  }

  /** Starts an attempt that streams from scratch (the view must be empty) or continues the caller's text. */
  beginAttempt(continueWithCut?: string): void {
    this.held = [];
    if (continueWithCut === undefined) {
      this.continuation = undefined;
      return;
    }
    const base = (this.message?.content.length ?? 1) - 1;
    this.continuation = {
      base,
      mergesFirstBlock: undefined,
      cut: continueWithCut,
      pending: '',
      // Nothing to line up when the caller's text ended without whitespace.
      settled: continueWithCut === '',
    };
  }

  /** The attempt broke: what it had not handed over yet is dropped. */
  abandonAttempt(): void {
    this.held = [];
  }

  /** Forgets everything the caller was handed (a restart); returns the discarded text. */
  reset(): string {
    const text = this.text;
    this.accumulator = new MessageAccumulator();
    this.held = [];
    this.continuation = undefined;
    this.deltasHandedOver = 0;
    return text;
  }

  /** One event of the current attempt. */
  receive(event: RawMessageStreamEvent): void {
    const mapped = this.continuation ? this.mapContinuation(this.continuation, event) : [event];
    for (const out of mapped) {
      if (out.type === 'content_block_delta') {
        this.flush();
        this.deliver(out);
        this.deltasHandedOver++;
      } else if (out.type === 'message_stop') {
        this.flush();
        this.deliver(out);
      } else {
        this.held.push(out);
      }
    }
  }

  private flush(): void {
    const held = this.held;
    this.held = [];
    for (const event of held) this.deliver(event);
  }

  private deliver(event: RawMessageStreamEvent): void {
    this.accumulator.apply(event);
    this.handOver(event, this.accumulator.message);
  }

  /** A continuation's event as the caller should see it: re-indexed, merged, or dropped. */
  private mapContinuation(c: Continuation, event: RawMessageStreamEvent): RawMessageStreamEvent[] {
    switch (event.type) {
      case 'message_start':
        return [];
      case 'content_block_start':
        if (c.mergesFirstBlock === undefined) {
          c.mergesFirstBlock = event.index === 0 && event.content_block.type === 'text';
          if (c.mergesFirstBlock) return [];
        }
        return [{ ...event, index: this.indexFor(c, event.index) }];
      case 'content_block_delta': {
        const index = this.indexFor(c, event.index);
        if (index === c.base && event.delta.type === 'text_delta' && !c.settled) {
          return this.joinText(c, { ...event, index }, event.delta.text, false);
        }
        return [{ ...event, index }];
      }
      case 'content_block_stop': {
        const index = this.indexFor(c, event.index);
        const stop = { ...event, index };
        if (index === c.base && !c.settled) return [...this.joinText(c, stop, '', true), stop];
        return [stop];
      }
      default:
        return [event];
    }
  }

  private indexFor(c: Continuation, index: number): number {
    return c.base + index + (c.mergesFirstBlock ? 0 : 1);
  }

  /**
   * Lines the continuation's leading whitespace up with the whitespace the caller already has: the
   * caller saw "Hello " but the prefill was "Hello", so a continuation " world" must be handed over
   * as "world". Whitespace is held until the first other character (or the block's end) decides.
   */
  private joinText(
    c: Continuation,
    template: RawMessageStreamEvent,
    text: string,
    blockEnded: boolean,
  ): DeltaEvent[] {
    c.pending += text;
    if (!blockEnded && c.pending.trim() === '') return [];
    c.settled = true;
    const lead = /^\s*/.exec(c.pending)?.[0] ?? '';
    let rest = c.pending;
    // The model repeated the whitespace (the usual case): skip what the caller has.
    if (lead.startsWith(c.cut)) rest = c.pending.slice(c.cut.length);
    // The caller already has at least the model's whitespace: it stands in for it.
    else if (c.cut.startsWith(lead)) rest = c.pending.slice(lead.length);
    // Otherwise (e.g. the caller has a space, the model wants a paragraph break) both are kept:
    // what was handed over cannot be taken back, and the break matters more than a stray space.
    if (rest === '') return [];
    return [
      {
        type: 'content_block_delta',
        index: 'index' in template ? template.index : c.base,
        delta: { type: 'text_delta', text: rest },
      },
    ];
  }
}
