import { FIELD_SIZES, jsonObject, withinJsonBounds } from '@onematter/engine';
import { z } from 'zod';

/**
 * The JSON a department sends on `onematter.decisions` (and, as its HTTP twin, to POST /tasks/:id/decisions).
 * Held to the bounds of every JSON input (depth, names, strings, text a store can hold; see
 * jsonInput.ts in the engine), as the API's parser holds an HTTP body: a message that breaks
 * them is invalid, and goes to the dead-letter topic.
 */
export const DecisionMessage = z.object({
  decisionId: z.string().min(1).max(200),
  taskId: z.string().min(3).max(300),
  caseId: z.string().min(1).max(200).optional(),
  department: z.string().min(1).max(50).optional(),
  decision: z.enum(['approved', 'rejected', 'supplement-required']),
  reason: z.string().max(2000).optional(),
  output: jsonObject(FIELD_SIZES.output).optional(),
  missingMaterials: z.array(z.string().min(1).max(200)).max(100).optional(),
}).superRefine(withinJsonBounds);
export type DecisionMessage = z.infer<typeof DecisionMessage>;
