/**
 * The followers contract (Followers in ports.ts): each follower's checkpoint. The read
 * models are readModelStore.contract.ts.
 */
import { describe, expect, it } from 'vitest';
import { storeHarness, type ContractArgs } from './harness.js';

export const followersContract = (...[name, open, cleanup, options = {}]: ContractArgs) =>
  describe(`${name} followers`, () => {
    const { fresh, reopen } = storeHarness(open, cleanup, options);

    it('keeps each follower\'s checkpoint, independently, starting from 0', async () => {
      const store = await fresh();
      expect(await store.readCheckpoint('case-list')).toBe(0);
      await store.saveCheckpoint('case-list', 42);
      await store.saveCheckpoint('event-feed', 7);
      await store.saveCheckpoint('case-list', 43);
      expect(await store.readCheckpoint('case-list')).toBe(43);
      expect(await store.readCheckpoint('event-feed')).toBe(7);
      if (options.reopen) {
        await store.close();
        const again = await reopen(store);
        await again.init();
        expect(await again.readCheckpoint('case-list')).toBe(43);
      }
    });
  });
