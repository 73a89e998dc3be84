import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockServerStats } from './types.js';

/** The real API refuses bodies above 32 MB with 413 `request_too_large`. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Record<string, string> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API',
  permission_error: 'Your API key does not have permission to use the specified resource',
  not_found_error: 'Not found',
  conflict_error: 'Conflict',
  request_too_large: 'Request exceeds the maximum allowed number of bytes',
  rate_limit_error: 'Number of requests has exceeded your rate limit',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

export function errorTypeFor(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function defaultMessageFor(errorType: string): string {
  return DEFAULT_MESSAGES[errorType] ?? 'Error';
}

/** Whether the SDK's rules would retry this status (used for `x-should-retry`). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export type Body = { kind: 'ok'; text: string } | { kind: 'too-large' };

/** Reads the whole body as UTF-8, keeping at most `MAX_BODY_BYTES` (the rest is drained). */
export function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        size > MAX_BODY_BYTES
          ? { kind: 'too-large' }
          : { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') },
      ),
    );
    req.on('error', reject);
  });
}

export function countStatus(stats: MockServerStats, status: number): void {
  stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  if (status === 429) stats.rateLimited++;
  if (status === 529) stats.overloaded++;
}

/** Sends a JSON answer and counts it; does nothing if the socket is already gone. */
export function sendJson(
  stats: MockServerStats,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
  countStatus(stats, status);
}

export function errorBody(errorType: string, message: string, requestId: string): unknown {
  return { type: 'error', error: { type: errorType, message }, request_id: requestId };
}
