/**
 * The `continue` policy: when resending the partial answer as an assistant prefill is safe, and the
 * request that does it.
 *
 * Continuing is safe when:
 * - the answer so far is a single text block (no tool_use, thinking or server-tool block, no
 *   citations): a prefill can only carry text, and a half-written tool call cannot be resumed;
 * - the request does not enable extended thinking (the API refuses a prefill with thinking on) and
 *   does not ask for structured output (`output_config.format`), whose grammar restarts at a prefill;
 * - the text so far is not only whitespace (the API refuses an empty or whitespace-ended prefill).
 * Even then, the model writes the rest anew: it may phrase the continuation differently from what an
 * uninterrupted answer would have said (the stitch is seamless, not identical), the prefill is billed
 * again as input, and `max_tokens` for the rest is reduced by an estimate of what was already written.
 */
import type {
  ContentBlockParam,
  Message,
  MessageParam,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import type { StreamParams } from './types.js';
import { estimateTokens } from './usage.js';

/** Why continuing is not safe, or undefined when it is. */
export function continueBlocker(params: StreamParams, message: Message | undefined): string | undefined {
  if (!message) return 'nothing to continue';
  if (params.thinking && params.thinking.type !== 'disabled') return 'extended thinking is on';
  if (params.output_config?.format) return 'structured output is requested';
  const [block, ...rest] = message.content;
  if (!block || rest.length > 0) return 'the answer has more than one content block';
  if (block.type !== 'text') return `the answer is a ${block.type} block`;
  if (block.citations && block.citations.length > 0) return 'the answer has citations';
  if (block.text.trim() === '') return 'the answer so far is only whitespace';
  return undefined;
}

/** The partial text split into the prefill (no trailing whitespace, as the API requires) and the whitespace cut off. */
export function splitPrefill(text: string): { prefill: string; cut: string } {
  const prefill = text.trimEnd();
  return { prefill, cut: text.slice(prefill.length) };
}

/** The request that asks the model to go on from `partialText` (already trimmed). */
export function continuationParams(params: StreamParams, partialText: string): StreamParams {
  const messages: MessageParam[] = [...params.messages];
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') {
    // The caller prefilled the answer themselves: the model's text goes on from theirs.
    messages[messages.length - 1] = { role: 'assistant', content: appendText(last.content, partialText) };
  } else {
    messages.push({ role: 'assistant', content: partialText });
  }
  return {
    ...params,
    messages,
    max_tokens: Math.max(1, params.max_tokens - estimateTokens(partialText.length)),
  };
}

function appendText(content: string | ContentBlockParam[], text: string): string | ContentBlockParam[] {
  if (typeof content === 'string') return content + text;
  const block: TextBlockParam = { type: 'text', text };
  return [...content, block];
}
