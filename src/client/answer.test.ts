import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { type MessageCall, whenAnswered } from './answer.js';

const message = { id: 'msg_1', usage: { input_tokens: 3, output_tokens: 4 } } as unknown as Message;
const response = new Response('{}', { status: 200, headers: { 'request-id': 'req_1' } });

/** A call whose message and response arrive when the test says. */
function call(order: 'response first' | 'message first') {
  let sendMessage!: (m: Message) => void;
  let sendResponse!: (r: Response) => void;
  const messagePromise = new Promise<Message>((resolve) => {
    sendMessage = resolve;
  });
  const responsePromise = new Promise<Response>((resolve) => {
    sendResponse = resolve;
  });
  const fake = {
    // biome-ignore lint/suspicious/noThenProperty: a stand-in for the SDK's APIPromise, which is a thenable
    then: (onOk: (m: Message) => unknown, onError: (e: unknown) => unknown) =>
      messagePromise.then(onOk, onError),
    asResponse: () => responsePromise,
  } as unknown as MessageCall;
  const arrive = async () => {
    if (order === 'response first') sendResponse(response);
    else sendMessage(message);
    await new Promise((resolve) => setImmediate(resolve));
    if (order === 'response first') sendMessage(message);
    else sendResponse(response);
  };
  return { fake, arrive };
}

describe('whenAnswered', () => {
  for (const order of ['response first', 'message first'] as const) {
    it(`hands over the message and the response together (${order})`, async () => {
      const { fake, arrive } = call(order);
      const seen = whenAnswered(
        fake,
        (data, r) => [data.id, r.headers.get('request-id')],
        () => {
          throw new Error('not an error');
        },
      );
      await arrive();
      expect(await seen).toEqual(['msg_1', 'req_1']);
    });
  }

  it("passes the call's error to onError, and a throw of onAnswer to the caller", async () => {
    const failing = {
      // biome-ignore lint/suspicious/noThenProperty: a stand-in for the SDK's APIPromise
      then: (onOk: (m: Message) => unknown, onError: (e: unknown) => unknown) =>
        Promise.reject(new Error('refused')).then(onOk, onError),
      asResponse: () => Promise.reject(new Error('refused')),
    } as unknown as MessageCall;
    const errors: string[] = [];
    await expect(
      whenAnswered(
        failing,
        () => 'answered',
        (error) => {
          errors.push((error as Error).message);
          throw error;
        },
      ),
    ).rejects.toThrow('refused');
    expect(errors).toEqual(['refused']);

    const { fake, arrive } = call('response first');
    const thrown = whenAnswered(
      fake,
      () => {
        throw new Error('listener broke');
      },
      () => {
        throw new Error('onError must not see it');
      },
    );
    await arrive();
    await expect(thrown).rejects.toThrow('listener broke');
  });
});
