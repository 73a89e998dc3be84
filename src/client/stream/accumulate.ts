/**
 * Builds a Message from stream events, the way the SDK's MessageStream does, so the caller's view
 * and the final message come from the very events the caller was handed.
 */
import type { ContentBlock, Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

export class MessageAccumulator {
  private snapshot: Message | undefined;
  /** Tool input JSON arrives in pieces; it is parsed when its block stops. */
  private readonly partialJson = new Map<number, string>();

  get message(): Message | undefined {
    return this.snapshot;
  }

  /** Applies one event; events before `message_start` are ignored. */
  apply(event: RawMessageStreamEvent): void {
    if (event.type === 'message_start') {
      this.snapshot = structuredClone(event.message);
      this.snapshot.content = [];
      this.partialJson.clear();
      return;
    }
    const message = this.snapshot;
    if (!message) return;
    switch (event.type) {
      case 'content_block_start':
        message.content[event.index] = structuredClone(event.content_block);
        return;
      case 'content_block_delta':
        this.applyDelta(message.content[event.index], event);
        return;
      case 'content_block_stop': {
        const block = message.content[event.index];
        const json = this.partialJson.get(event.index);
        if (block && json !== undefined && 'input' in block) block.input = parseJson(json);
        return;
      }
      case 'message_delta': {
        message.stop_reason = event.delta.stop_reason;
        message.stop_sequence = event.delta.stop_sequence;
        if (event.delta.stop_details !== undefined) message.stop_details = event.delta.stop_details;
        if (event.delta.container != null) message.container = event.delta.container;
        const usage = event.usage;
        message.usage.output_tokens = usage.output_tokens;
        // The other counters are whole-message totals sent only when they apply: overwrite, never add.
        if (usage.input_tokens != null) message.usage.input_tokens = usage.input_tokens;
        if (usage.cache_creation_input_tokens != null) {
          message.usage.cache_creation_input_tokens = usage.cache_creation_input_tokens;
        }
        if (usage.cache_read_input_tokens != null) {
          message.usage.cache_read_input_tokens = usage.cache_read_input_tokens;
        }
        return;
      }
      default:
        return;
    }
  }

  private applyDelta(
    block: ContentBlock | undefined,
    event: Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>,
  ): void {
    if (!block) return;
    const delta = event.delta;
    switch (delta.type) {
      case 'text_delta':
        if (block.type === 'text') block.text += delta.text;
        return;
      case 'citations_delta':
        if (block.type === 'text') block.citations = [...(block.citations ?? []), delta.citation];
        return;
      case 'input_json_delta':
        this.partialJson.set(event.index, (this.partialJson.get(event.index) ?? '') + delta.partial_json);
        return;
      case 'thinking_delta':
        if (block.type === 'thinking') block.thinking += delta.thinking;
        return;
      case 'signature_delta':
        if (block.type === 'thinking') block.signature = delta.signature;
        return;
      default:
        return;
    }
  }
}

function parseJson(json: string): unknown {
  if (json === '') return {};
  try {
    return JSON.parse(json);
  } catch {
    // An incomplete input is kept as text rather than lost; the caller can see it was cut.
    return json;
  }
}

/** The text of every text block, joined. */
export function textOf(message: Pick<Message, 'content'>): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

/** Characters of content a delta carries (text, tool input or thinking), to size what was received. */
export function deltaCharacters(event: RawMessageStreamEvent): number {
  if (event.type !== 'content_block_delta') return 0;
  const delta = event.delta;
  if (delta.type === 'text_delta') return delta.text.length;
  if (delta.type === 'input_json_delta') return delta.partial_json.length;
  if (delta.type === 'thinking_delta') return delta.thinking.length;
  return 0;
}
