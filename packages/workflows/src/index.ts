import { createCatalogue, type MatterDefinition } from '@onematter/engine';
import { enterpriseSetupV1 } from './matters/enterpriseSetup.js';
import { utilityConnectionV1 } from './matters/utilityConnection.js';

export * from './validators.js';
export { enterpriseSetupV1, utilityConnectionV1 };

/** Every version of every matter; running cases keep the version they started with. */
export const MATTER_DEFINITIONS: readonly MatterDefinition[] = [enterpriseSetupV1, utilityConnectionV1];

export const defaultCatalogue = () => createCatalogue(MATTER_DEFINITIONS);
