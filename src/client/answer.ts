/**
 * An SDK call's message together with its response, for the headers the pacer reads.
 */
import type { APIPromise } from '@anthropic-ai/sdk/core/api-promise';
import type { Message } from '@anthropic-ai/sdk/resources/messages';

/** A message as the SDK returns it: with the `request-id` header as `_request_id`. */
export type Answered = Message & { _request_id?: string | null | undefined };

/** What `whenAnswered` needs of the SDK's APIPromise. */
export type MessageCall = Pick<APIPromise<Message>, 'then' | 'asResponse'>;

/**
 * Hands an SDK call's message and its response (for the headers) to `onAnswer`, or its error to
 * `onError`: what `withResponse()` gives, for fewer promises and without reading two headers again.
 * The message is parsed as `await` would; the response is asked for after the parse has begun, as
 * the SDK wants, and comes first, since the parse reads the body after the headers. An error
 * thrown by `onAnswer` is the promise's, not `onError`'s.
 */
export function whenAnswered<T>(
  call: MessageCall,
  onAnswer: (data: Answered, response: Response) => T,
  onError: (error: unknown) => never,
): Promise<T> {
  let response: Response | undefined;
  const outcome = call.then(
    (data) => (response ? onAnswer(data, response) : call.asResponse().then((late) => onAnswer(data, late))),
    onError,
  );
  call.asResponse().then(
    (headers) => {
      response = headers;
    },
    () => {}, // a failed call is reported through `outcome`
  );
  return outcome;
}
