import { VirtualClock } from '../internal/test-support/virtual-clock.js';
import { MemoryPacingStore } from './memory-store.js';
import { describeStoreContract } from './test-support/store-contract.js';

describeStoreContract('MemoryPacingStore (virtual clock: exact)', async () => {
  const clock = new VirtualClock({ auto: false });
  return {
    store: new MemoryPacingStore({ clock }),
    now: () => clock.now(),
    advance: (ms) => clock.advance(ms),
    driftMs: 0,
    dispose: async () => {},
  };
});
