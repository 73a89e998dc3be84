/**
 * Request validation with the API's wording: one problem per answer, named by its field path
 * (`messages.0.role: ...`), as the real service reports pydantic-style errors.
 */

export interface ContentBlock {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface CountTokensRequest {
  model: string;
  messages: MessageParam[];
  system?: string | ContentBlock[];
}

export interface MessagesRequest extends CountTokensRequest {
  max_tokens: number;
  stop_sequences?: string[];
  stream?: boolean;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

/** Fields the simulator accepts without checking them (tools, metadata and friends). */
const PASSED_THROUGH = [
  'metadata',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
];
const MESSAGES_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'stop_sequences',
  'stream',
  ...PASSED_THROUGH,
]);
const COUNT_TOKENS_FIELDS = new Set(['model', 'messages', 'system', ...PASSED_THROUGH]);

class Invalid extends Error {}

function fail(path: string, problem: string): never {
  throw new Invalid(`${path}: ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkBlocks(path: string, value: unknown[]): ContentBlock[] {
  value.forEach((block, i) => {
    if (!isRecord(block)) fail(`${path}.${i}`, 'Input should be a valid dictionary');
    if (block.type === undefined) fail(`${path}.${i}.type`, 'Field required');
    if (typeof block.type !== 'string') fail(`${path}.${i}.type`, 'Input should be a valid string');
    if (block.type === 'text') {
      if (block.text === undefined) fail(`${path}.${i}.text`, 'Field required');
      if (typeof block.text !== 'string') fail(`${path}.${i}.text`, 'Input should be a valid string');
    }
  });
  return value as ContentBlock[];
}

function checkMessages(value: unknown): MessageParam[] {
  if (value === undefined) fail('messages', 'Field required');
  if (!Array.isArray(value)) fail('messages', 'Input should be a list');
  if (value.length === 0) fail('messages', 'at least one message is required');
  value.forEach((message, i) => {
    const path = `messages.${i}`;
    if (!isRecord(message)) fail(path, 'Input should be a valid dictionary');
    if (message.role === undefined) fail(`${path}.role`, 'Field required');
    if (message.role !== 'user' && message.role !== 'assistant') {
      fail(`${path}.role`, "Input should be 'user' or 'assistant'");
    }
    const content = message.content;
    if (content === undefined) fail(`${path}.content`, 'Field required');
    if (Array.isArray(content)) checkBlocks(`${path}.content`, content);
    else if (typeof content !== 'string') fail(`${path}.content`, 'Input should be a valid string or list');
  });
  const last = value[value.length - 1] as MessageParam;
  // The real API refuses a prefill that ends in whitespace; a streaming-retry client must trim it.
  if (last.role === 'assistant' && /\s$/.test(textOf(last.content))) {
    fail('messages', 'final assistant content cannot end with trailing whitespace');
  }
  return value as MessageParam[];
}

function checkCommon(body: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) fail(key, 'Extra inputs are not permitted');
  }
  if (body.model === undefined) fail('model', 'Field required');
  if (typeof body.model !== 'string') fail('model', 'Input should be a valid string');
  if (body.model.length === 0) fail('model', 'String should have at least 1 character');
  checkMessages(body.messages);
  const system = body.system;
  if (Array.isArray(system)) checkBlocks('system', system);
  else if (system !== undefined && typeof system !== 'string') {
    fail('system', 'Input should be a valid string or list');
  }
}

function run<T>(check: () => T): Validation<T> {
  try {
    return { ok: true, value: check() };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, message: error.message };
    throw error;
  }
}

export function validateMessagesRequest(body: unknown): Validation<MessagesRequest> {
  return run(() => {
    if (!isRecord(body)) fail('body', 'Input should be a valid dictionary');
    checkCommon(body, MESSAGES_FIELDS);
    const maxTokens = body.max_tokens;
    if (maxTokens === undefined) fail('max_tokens', 'Field required');
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) {
      fail('max_tokens', 'Input should be a valid integer');
    }
    if (maxTokens < 1) fail('max_tokens', 'Input should be greater than or equal to 1');
    const stops = body.stop_sequences;
    if (stops !== undefined) {
      if (!Array.isArray(stops)) fail('stop_sequences', 'Input should be a valid list');
      stops.forEach((stop, i) => {
        if (typeof stop !== 'string') fail(`stop_sequences.${i}`, 'Input should be a valid string');
        if (stop.trim() === '') fail('stop_sequences', 'each stop sequence must contain non-whitespace');
      });
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean') {
      fail('stream', 'Input should be a valid boolean');
    }
    return body as unknown as MessagesRequest;
  });
}

export function validateCountTokensRequest(body: unknown): Validation<CountTokensRequest> {
  return run(() => {
    if (!isRecord(body)) fail('body', 'Input should be a valid dictionary');
    checkCommon(body, COUNT_TOKENS_FIELDS);
    return body as unknown as CountTokensRequest;
  });
}

/** The text of a message's content: the string itself, or its text blocks joined. */
export function textOf(content: string | ContentBlock[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('');
}
