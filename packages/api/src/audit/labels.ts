import { definitionLabels, type MatterCatalogue, type TimelineLabels } from '@onematter/engine';
import { OUTPUT_TITLES } from '@onematter/workflows';

/**
 * What a timeline calls things by: the matter definitions' material names and output
 * titles (a field a department returned beyond its schema by the common table), and the
 * display names of the people in the account directory (when known).
 */
export function timelineLabels(catalogue: MatterCatalogue, people: Record<string, string> = {}): TimelineLabels {
  const fromDefinitions = definitionLabels((m, v) => catalogue.get(m, v)?.definition);
  return {
    ...fromDefinitions,
    output: (m, v, step, field) => fromDefinitions.output(m, v, step, field) ?? OUTPUT_TITLES[field],
    person: (id) => people[id],
  };
}
