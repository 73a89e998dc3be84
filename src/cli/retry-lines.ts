/** The lines a person sees while we wait: the original script's wording, extended to every kind of failure. */
import type { RetryEvent } from '../retry/options.js';

export function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

export function retryLine(event: Pick<RetryEvent, 'reason' | 'delay' | 'status'>): string {
  const wait = `Retrying in ${formatSeconds(event.delay)} seconds...`;
  switch (event.reason) {
    case 'rate_limit':
      return `Rate limited. ${wait}`;
    case 'overloaded':
      return `API overloaded. ${wait}`;
    case 'server_error':
      return `Server error${event.status ? ` (HTTP ${event.status})` : ''}. ${wait}`;
    case 'timeout':
      return `Request timed out. ${wait}`;
    case 'connection':
      return `Network error (connection failed). ${wait}`;
    case 'stream_interrupted':
      return `Stream interrupted. ${wait}`;
    default:
      return `Request failed${event.status ? ` (HTTP ${event.status})` : ''}. ${wait}`;
  }
}
