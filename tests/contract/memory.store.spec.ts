import { MemoryEventStore } from '../../packages/adapters/src/stores/index.js';
import { eventStoreContract } from './eventStore.contract.js';
import { readModelStoreContract } from './readModelStore.contract.js';

eventStoreContract('memory', async () => new MemoryEventStore());
readModelStoreContract('memory', async () => new MemoryEventStore());
