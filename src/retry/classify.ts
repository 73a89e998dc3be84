/**
 * "Is this failure worth another attempt?" Kept apart from the retry loop so the loop stays
 * generic and the rules can be read (and tested) as a table.
 */
import { getHeader, parseRetryAfter } from './retry-after.js';

export type FailureKind =
  | 'rate_limit'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'conflict'
  | 'stream_interrupted'
  | 'client_error'
  | 'aborted'
  | 'unknown';

export interface Classification {
  retryable: boolean;
  kind: FailureKind;
  status?: number | undefined;
  requestId?: string | undefined;
  /** The server's own wait, from retry-after-ms / retry-after. */
  retryAfterMs?: number | undefined;
  headers?: Headers | undefined;
}

export type Classifier = (error: unknown, now: number) => Classification;

const RETRYABLE_STATUS: Readonly<Record<number, FailureKind>> = {
  408: 'timeout',
  409: 'conflict',
  429: 'rate_limit',
  529: 'overloaded',
};

/** Error `type`s that can arrive inside a 200 stream (no status) and are worth another attempt. */
const RETRYABLE_ERROR_TYPE: Readonly<Record<string, FailureKind>> = {
  overloaded_error: 'overloaded',
  rate_limit_error: 'rate_limit',
  api_error: 'server_error',
  timeout_error: 'timeout',
};

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface ErrorLike {
  name?: unknown;
  status?: unknown;
  headers?: unknown;
  requestID?: unknown;
  type?: unknown;
  code?: unknown;
  cause?: unknown;
  retryable?: unknown;
  kind?: unknown;
}

function asRecord(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? (error as ErrorLike) : {};
}

function statusKind(status: number): FailureKind | undefined {
  const known = RETRYABLE_STATUS[status];
  if (known) return known;
  // 501 Not Implemented and 505 HTTP Version Not Supported will not change on a second try.
  if (status >= 500 && status !== 501 && status !== 505) return 'server_error';
  return undefined;
}

function connectionCode(error: unknown, depth = 0): string | undefined {
  const record = asRecord(error);
  if (typeof record.code === 'string' && CONNECTION_CODES.has(record.code)) return record.code;
  if (depth < 4 && record.cause !== undefined) return connectionCode(record.cause, depth + 1);
  return undefined;
}

export function isAbortError(error: unknown): boolean {
  const name = asRecord(error).name;
  return name === 'AbortError' || name === 'APIUserAbortError';
}

/** The default rules: those of the official SDK, plus mid-stream error types and raw socket errors. */
export const classifyError: Classifier = (error, now) => {
  const record = asRecord(error);
  if (isAbortError(error)) return { retryable: false, kind: 'aborted' };

  const headers = record.headers instanceof Headers ? record.headers : undefined;
  const status = typeof record.status === 'number' ? record.status : undefined;
  const requestId =
    (typeof record.requestID === 'string' ? record.requestID : undefined) ?? getHeader(headers, 'request-id');
  const base = { status, requestId, headers, retryAfterMs: parseRetryAfter(headers, now) };

  // Our own errors (e.g. an interrupted stream) say for themselves.
  if (typeof record.retryable === 'boolean' && typeof record.kind === 'string') {
    return { ...base, retryable: record.retryable, kind: record.kind as FailureKind };
  }

  if (status !== undefined) {
    const kind = statusKind(status) ?? 'client_error';
    const shouldRetry = getHeader(headers, 'x-should-retry');
    if (shouldRetry === 'true') return { ...base, retryable: true, kind };
    if (shouldRetry === 'false') return { ...base, retryable: false, kind };
    return { ...base, retryable: kind !== 'client_error', kind };
  }

  if (record.name === 'APIConnectionTimeoutError' || record.name === 'TimeoutError') {
    return { ...base, retryable: true, kind: 'timeout' };
  }
  if (record.name === 'APIConnectionError' || connectionCode(error)) {
    return { ...base, retryable: true, kind: 'connection' };
  }
  // An `event: error` inside a 200 stream: an APIError with a type and no status.
  if (typeof record.type === 'string') {
    const kind = RETRYABLE_ERROR_TYPE[record.type];
    if (kind) return { ...base, retryable: true, kind };
    return { ...base, retryable: false, kind: 'client_error' };
  }
  return { ...base, retryable: false, kind: 'unknown' };
};
