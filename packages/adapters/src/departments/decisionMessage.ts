import { z } from 'zod';

/** The JSON a department sends on `onematter.decisions` (and, as its HTTP twin, to POST /tasks/:id/decisions). */
export const DecisionMessage = z.object({
  decisionId: z.string().min(1).max(200),
  taskId: z.string().min(3).max(300),
  caseId: z.string().min(1).max(200).optional(),
  department: z.string().min(1).max(50).optional(),
  decision: z.enum(['approved', 'rejected', 'supplement-required']),
  reason: z.string().max(2000).optional(),
  output: z.record(z.string(), z.unknown()).optional(),
  missingMaterials: z.array(z.string().min(1).max(200)).max(100).optional(),
});
export type DecisionMessage = z.infer<typeof DecisionMessage>;
