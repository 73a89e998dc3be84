/** Streaming that survives interruptions: `client.messages.stream()`. */
export { isStreamInterruptedError, StreamInterruptedError } from './errors.js';
export { RetryingMessageStream, type StreamContext } from './message-stream.js';
export {
  type AttemptUsage,
  DEFAULT_IDLE_TIMEOUT_MS,
  INTERRUPT_POLICIES,
  type InterruptPolicy,
  type RestartEvent,
  type StreamAction,
  type StreamAttempt,
  type StreamEvent,
  type StreamListenerName,
  type StreamListeners,
  type StreamParams,
  type StreamRequestOptions,
  type StreamRetryEvent,
} from './types.js';
