/**
 * Checks a Messages request body for what the API is known to refuse, so a bad line fails at once,
 * with its line number, instead of costing a request. Fields we do not know are left for the API
 * to judge: new API features must not be blocked here.
 */

/** Sampling parameters the 2026-10-21 API (SDK 1.x) answers with a 400. */
const REMOVED_SAMPLING_FIELDS = ['temperature', 'top_p', 'top_k'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function checkBlocks(path: string, blocks: unknown[]): string | undefined {
  for (const [i, block] of blocks.entries()) {
    const at = `${path}[${i}]`;
    if (!isRecord(block)) return `${at} must be a content block object such as {"type":"text","text":"..."}`;
    if (typeof block.type !== 'string') return `${at}.type is missing: every content block names its type`;
    if (block.type === 'text' && typeof block.text !== 'string') return `${at}.text must be a string`;
  }
  return undefined;
}

function checkMessages(messages: unknown): string | undefined {
  if (messages === undefined) {
    return 'params.messages is missing: give a list such as [{"role":"user","content":"Hello"}]';
  }
  if (!Array.isArray(messages)) return `params.messages must be a list of messages, got ${show(messages)}`;
  if (messages.length === 0) return 'params.messages is empty: give at least one message';
  for (const [i, message] of messages.entries()) {
    const at = `params.messages[${i}]`;
    if (!isRecord(message)) return `${at} must be an object with "role" and "content"`;
    if (message.role !== 'user' && message.role !== 'assistant') {
      const hint = message.role === 'system' ? ' (a system prompt goes in params.system)' : '';
      return `${at}.role must be "user" or "assistant", got ${show(message.role)}${hint}`;
    }
    const content = message.content;
    if (content === undefined) return `${at}.content is missing`;
    if (Array.isArray(content)) {
      const problem = checkBlocks(`${at}.content`, content);
      if (problem) return problem;
    } else if (typeof content !== 'string') {
      return `${at}.content must be a string or a list of content blocks, got ${show(content)}`;
    }
  }
  return undefined;
}

function checkOptionalFields(params: Record<string, unknown>): string | undefined {
  const system = params.system;
  if (Array.isArray(system)) {
    const problem = checkBlocks('params.system', system);
    if (problem) return problem;
  } else if (system !== undefined && typeof system !== 'string') {
    return `params.system must be a string or a list of text blocks, got ${show(system)}`;
  }
  const stops = params.stop_sequences;
  if (stops !== undefined && !(Array.isArray(stops) && stops.every((s) => typeof s === 'string'))) {
    return `params.stop_sequences must be a list of strings, got ${show(stops)}`;
  }
  if (params.stream === true) {
    return 'params.stream must not be true: a batch sends ordinary (non-streaming) requests; remove "stream"';
  }
  for (const field of REMOVED_SAMPLING_FIELDS) {
    if (params[field] !== undefined) {
      return `params.${field} is not accepted by the current Messages API (version 2026-10-21); remove it`;
    }
  }
  return undefined;
}

/**
 * The first problem with `params` (after defaults were applied), in words a person can act on,
 * or undefined when nothing known is wrong.
 */
export function checkParams(params: unknown): string | undefined {
  if (!isRecord(params)) {
    return `"params" must be a JSON object holding a Messages request, got ${show(params)}`;
  }
  if (params.model === undefined) return 'params.model is missing and no default model was given (--model)';
  if (typeof params.model !== 'string' || params.model.trim() === '') {
    return `params.model must be a non-empty string, got ${show(params.model)}`;
  }
  const maxTokens = params.max_tokens;
  if (maxTokens === undefined) return 'params.max_tokens is missing and no default was given (--max-tokens)';
  if (typeof maxTokens !== 'number' || !Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    return `params.max_tokens must be a whole number of 1 or more, got ${show(maxTokens)}`;
  }
  return checkMessages(params.messages) ?? checkOptionalFields(params);
}
