/** The PacingStore contract against a real Redis: the server's clock, shifted forward instead of slept. */
import { RedisPacingStore } from '../src/pacing/redis-store.js';
import { describeStoreContract } from '../src/pacing/test-support/store-contract.js';
import { deleteNamespace, REDIS_URL, uniqueKey } from './support/redis-pacing.js';

describeStoreContract('RedisPacingStore (server clock: within the test’s own run time)', async () => {
  const apiKey = uniqueKey();
  let shift = 0;
  const store = new RedisPacingStore({ redis: REDIS_URL, apiKey, serverTimeShift: () => shift });
  await store.ready();
  return {
    store,
    now: () => Date.now() + shift,
    advance: async (ms) => {
      shift += ms;
    },
    // Each step is a few round trips to Redis; a loaded CI machine may take a while between them.
    driftMs: 250,
    dispose: async () => {
      await store.close();
      await deleteNamespace(apiKey);
    },
  };
});
