/**
 * Turns input lines into batch items. JSONL lines are `{"custom_id","params"}` (the Message Batches
 * request shape) or the shorthand `{"custom_id","prompt"}`; a prompts file has one prompt per line.
 * Every bad line becomes an `invalid` item that names the problem: nothing is skipped silently.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { isBlank, type Line, readLines } from './line-reader.js';
import { checkParams } from './validate-params.js';

export type InputFormat = 'jsonl' | 'prompts';

/** Filled into lines that omit them. */
export interface RequestDefaults {
  readonly model?: string | undefined;
  readonly maxTokens?: number | undefined;
}

export type InputItem =
  | { kind: 'request'; line: number; customId: string; params: MessageCreateParamsNonStreaming }
  /** `customId` is the line's own id when it had a usable one, else the generated `line-NNNNNN`. */
  | { kind: 'invalid'; line: number; customId: string; message: string };

/** The Message Batches API's rule for custom ids; kept so files move to it unchanged. */
const CUSTOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The id given to a line that has none (prompt files, or a line too broken to read one from). */
export function lineId(line: number): string {
  return `line-${String(line).padStart(6, '0')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withDefaults(params: Record<string, unknown>, defaults: RequestDefaults): Record<string, unknown> {
  return {
    ...(params.model === undefined && defaults.model !== undefined ? { model: defaults.model } : {}),
    ...(params.max_tokens === undefined && defaults.maxTokens !== undefined
      ? { max_tokens: defaults.maxTokens }
      : {}),
    ...params,
  };
}

function promptParams(prompt: string, defaults: RequestDefaults): Record<string, unknown> {
  return withDefaults({ messages: [{ role: 'user', content: prompt }] }, defaults);
}

function request(line: number, customId: string, params: Record<string, unknown>): InputItem {
  const problem = checkParams(params);
  if (problem) return { kind: 'invalid', line, customId, message: problem };
  return { kind: 'request', line, customId, params: params as unknown as MessageCreateParamsNonStreaming };
}

function parseJsonLine(text: string, line: number, defaults: RequestDefaults): InputItem {
  const invalid = (message: string, customId = lineId(line)): InputItem => ({
    kind: 'invalid',
    line,
    customId,
    message,
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid(`not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(value)) return invalid('expected a JSON object such as {"custom_id": "a1", "params": {...}}');
  const id = value.custom_id;
  if (id === undefined) return invalid('"custom_id" is missing: every line needs a unique id such as "a1"');
  if (typeof id !== 'string' || !CUSTOM_ID.test(id)) {
    return invalid(
      `"custom_id" must be 1 to 64 letters, digits, "-" or "_" (the Message Batches API's rule), got ${JSON.stringify(id)}`,
    );
  }
  const hasParams = value.params !== undefined;
  const hasPrompt = value.prompt !== undefined;
  if (hasParams && hasPrompt) return invalid('give either "params" or "prompt", not both', id);
  if (hasPrompt) {
    if (typeof value.prompt !== 'string' || value.prompt.trim() === '') {
      return invalid('"prompt" must be a non-empty string', id);
    }
    return request(line, id, promptParams(value.prompt, defaults));
  }
  if (!hasParams) return invalid('"params" (a Messages request) is missing; or give a "prompt"', id);
  if (!isRecord(value.params)) return request(line, id, value.params as Record<string, unknown>);
  return request(line, id, withDefaults(value.params, defaults));
}

/** The item for one input line, or undefined for a blank line. */
export function parseInputLine(
  line: Line,
  format: InputFormat,
  defaults: RequestDefaults,
): InputItem | undefined {
  // A byte-order mark some editors put at the start of a file is not part of the first line.
  const text = line.number === 1 ? line.text.replace(/^\uFEFF/, '') : line.text;
  if (isBlank(text)) return undefined;
  if (format === 'prompts') return request(line.number, lineId(line.number), promptParams(text, defaults));
  return parseJsonLine(text, line.number, defaults);
}

/** Every item of `stream`, read lazily: one line is parsed per item asked for. */
export async function* readInput(
  stream: AsyncIterable<Buffer | string>,
  format: InputFormat,
  defaults: RequestDefaults,
): AsyncGenerator<InputItem> {
  for await (const line of readLines(stream)) {
    const item = parseInputLine(line, format, defaults);
    if (item) yield item;
  }
}

/** Lines that are not blank, counted without decoding or parsing: a fast pass for the progress total. */
export async function countItems(stream: AsyncIterable<Buffer | string>): Promise<number> {
  let count = 0;
  let content = false;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let i = 0; i < buffer.length; i++) {
      const byte = buffer[i];
      if (byte === 0x0a) {
        if (content) count++;
        content = false;
      } else if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) content = true;
    }
  }
  return content ? count + 1 : count;
}
