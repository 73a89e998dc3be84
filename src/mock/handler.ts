import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../internal/clock.js';
import type { FaultPlan, Script } from './faults.js';
import {
  defaultMessageFor,
  errorBody,
  errorTypeFor,
  isRetryableStatus,
  readBody,
  sendJson,
} from './http-io.js';
import type { RateLimiter } from './rate-limiter.js';
import { composeReply, countInputTokens } from './replies.js';
import { writeStream } from './sse.js';
import type { MockServerStats, StreamInterruption } from './types.js';
import { type MessagesRequest, validateCountTokensRequest, validateMessagesRequest } from './validate.js';

/** Everything a request handler needs from the running server. */
export interface ServerContext {
  readonly clock: Clock;
  readonly seed: number;
  readonly startedAt: number;
  readonly apiKeys: ReadonlySet<string> | undefined;
  readonly streamChunkDelayMs: number;
  readonly latencyMs: number;
  readonly limiter: RateLimiter;
  readonly faults: FaultPlan;
  readonly script: Script;
  /** Aborted when the server closes, to cut latency sleeps short. */
  readonly closing: AbortSignal;
  readonly stats: MockServerStats;
  nextRequestId(): string;
  nextMessageId(): string;
}

const MESSAGES = '/v1/messages';
const COUNT_TOKENS = '/v1/messages/count_tokens';

/** One request from arrival to answer. Check order: route, auth, validation, then the messages pipeline. */
export async function handleRequest(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  res.on('error', () => {});
  const requestId = ctx.nextRequestId();
  const path = new URL(req.url ?? '/', 'http://mock.invalid').pathname;
  const isPost = req.method === 'POST';
  // "Arrived" is judged on arrival, before reading the body and before any latency.
  const overloaded = isPost && path === MESSAGES && ctx.faults.overloadedAt(ctx.clock.now() - ctx.startedAt);
  if (isPost && (path === MESSAGES || path.startsWith(`${MESSAGES}/`))) ctx.stats.requests++;
  if (overloaded) ctx.stats.requestsDuringOverload++;

  const body = await readBody(req);
  const fail = (status: number, message?: string, errorType?: string, headers?: Record<string, string>) => {
    const type = errorType ?? errorTypeFor(status);
    const retryHint: Record<string, string> = ctx.faults.shouldRetryHeader
      ? { 'x-should-retry': String(isRetryableStatus(status)) }
      : {};
    sendJson(ctx.stats, res, status, errorBody(type, message ?? defaultMessageFor(type), requestId), {
      'request-id': requestId,
      ...retryHint,
      ...headers,
    });
  };

  if (path !== MESSAGES && path !== COUNT_TOKENS) return fail(404, `Not found: ${req.method} ${path}`);
  if (!isPost)
    return fail(405, `Method ${req.method} is not allowed on ${path}`, undefined, { allow: 'POST' });
  if (body.kind === 'too-large') return fail(413);
  const authProblem = checkAuth(ctx, req);
  if (authProblem) return fail(401, authProblem);
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch {
    return fail(400, 'There was an error parsing the body of your request: it is not valid JSON');
  }

  if (path === COUNT_TOKENS) {
    const checked = validateCountTokensRequest(json);
    if (!checked.ok) return fail(400, checked.message);
    if (!(await thinkingTime(ctx))) return;
    sendJson(
      ctx.stats,
      res,
      200,
      { input_tokens: countInputTokens(checked.value) },
      { 'request-id': requestId },
    );
    ctx.stats.succeeded++;
    return;
  }
  const checked = validateMessagesRequest(json);
  if (!checked.ok) return fail(400, checked.message);
  await answerMessages(ctx, req, res, checked.value, { requestId, overloaded, fail });
}

/** Waits out the latency; false when the server closed meanwhile (nothing is sent then). */
async function thinkingTime(ctx: ServerContext): Promise<boolean> {
  const latency = ctx.faults.latencyMs ?? ctx.latencyMs;
  if (latency <= 0) return true;
  try {
    await ctx.clock.sleep(latency, ctx.closing);
    return true;
  } catch {
    return false;
  }
}

/** The problem with the request's credentials, or undefined when they are accepted. Never echoes the key. */
function checkAuth(ctx: ServerContext, req: IncomingMessage): string | undefined {
  const apiKeyHeader = req.headers['x-api-key'];
  const authorization = req.headers.authorization;
  const apiKey = Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader;
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (apiKey !== undefined) ctx.stats.authHeaders.xApiKey++;
  if (bearer !== undefined) ctx.stats.authHeaders.bearer++;
  const key = apiKey?.trim() || bearer;
  if (!key) return 'x-api-key header is required (or Authorization: Bearer)';
  if (ctx.apiKeys && !ctx.apiKeys.has(key)) return 'invalid x-api-key';
  return undefined;
}

interface Pipeline {
  requestId: string;
  overloaded: boolean;
  fail(status: number, message?: string, errorType?: string, headers?: Record<string, string>): void;
}

/** Scripted step, overload window, random reset, random 500, rate limit, then the answer. */
async function answerMessages(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  request: MessagesRequest,
  { requestId, overloaded, fail }: Pipeline,
): Promise<void> {
  const streaming = request.stream === true;
  const reply = composeReply(request, ctx.seed);
  const reset = () => {
    ctx.stats.resets++;
    req.socket.destroy();
  };
  const answer = async (headers: Record<string, string>, interruption?: StreamInterruption) => {
    // The model's time to answer. Everything before it (checks, the rate limit, faults) was decided
    // on arrival, as the API does: a 429 or a 529 comes back at once.
    if (!(await thinkingTime(ctx))) return 0;
    const id = ctx.nextMessageId();
    const allHeaders = { 'request-id': requestId, ...headers };
    if (streaming) {
      const plan = { id, model: request.model, reply, headers: allHeaders, interruption, stats: ctx.stats };
      const result = await writeStream(res, {
        ...plan,
        clock: ctx.clock,
        chunkDelayMs: ctx.streamChunkDelayMs,
      });
      return result.outputTokens;
    }
    sendJson(ctx.stats, res, 200, messageBody(id, request.model, reply), allHeaders);
    ctx.stats.succeeded++;
    return reply.outputTokens;
  };

  // Scripted steps stand in for the whole fault and rate-limit stage (nothing is charged).
  const step = ctx.script.take(streaming);
  if (step === 'ok') return void (await answer(ctx.limiter.headers(request.model)));
  if (step !== undefined && 'reset' in step) return reset();
  if (step !== undefined && 'stream' in step) {
    return void (await answer(ctx.limiter.headers(request.model), step.stream));
  }
  if (step !== undefined) return fail(step.status, step.message, step.errorType, step.headers);

  if (overloaded) return fail(529);
  const draw = ctx.faults.draw();
  if (draw.reset) return reset();
  if (draw.error) return fail(500);
  const admission = ctx.limiter.admit(request.model, reply.inputTokens, request.max_tokens);
  if (!admission.ok) {
    const headers = { ...admission.headers, 'retry-after': String(admission.retryAfterSeconds) };
    return fail(429, admission.message, undefined, headers);
  }
  const outputTokens = await answer(admission.headers, streaming ? draw.interruption : undefined);
  admission.settle(outputTokens);
}

function messageBody(id: string, model: string, reply: ReturnType<typeof composeReply>): unknown {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: reply.text }],
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    usage: {
      input_tokens: reply.inputTokens,
      output_tokens: reply.outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}
