import { MemoryEventStore } from '../../packages/adapters/src/stores/index.js';
import { eventStoreContract } from './eventStore.contract.js';

eventStoreContract('memory', async () => new MemoryEventStore());
