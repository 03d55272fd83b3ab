/**
 * A department's decision as it comes in, over HTTP (`POST /tasks/:taskId/decisions`) or on
 * the bus (`onematter.decisions[.<department>]`): ONE schema for its fields, and one
 * builder of the `RecordDecision` command, so both paths accept and record the same thing.
 * Pure: no I/O.
 */
import { z } from 'zod';
import { FIELD_SIZES, jsonObject, withinJsonBounds } from '../input/jsonInput.js';
import type { RecordDecision } from './commands.js';

/** The decision itself: the HTTP body, and the part of a bus message after its routing. */
export const DecisionInput = z.object({
  decisionId: z.string().min(1).max(200),
  decision: z.enum(['approved', 'rejected', 'supplement-required']),
  reason: z.string().max(2000).optional(),
  output: jsonObject(FIELD_SIZES.output).optional(),
  missingMaterials: z.array(z.string().min(1).max(200)).max(100).optional(),
  /** 告知承诺制: approve on the applicant's written commitment (only steps that allow it); schedules a 事中事后核查 with its own limit. */
  onCommitment: z.boolean().optional(),
});
export type DecisionInput = z.infer<typeof DecisionInput>;

/** The bus message: the decision and its routing (the HTTP path names the task instead). */
const DecisionRouting = z.object({
  taskId: z.string().min(3).max(300),
  caseId: z.string().min(1).max(200).optional(),
  department: z.string().min(1).max(50).optional(),
});

/**
 * The JSON a department sends on `onematter.decisions` (and, as its HTTP twin, to POST /tasks/:id/decisions).
 * Held to the bounds of every JSON input (depth, names, strings, text a store can hold; see
 * jsonInput.ts), as the API's parser holds an HTTP body: a message that breaks them is
 * invalid, and goes to the dead-letter topic.
 */
export const DecisionMessage = DecisionRouting.extend(DecisionInput.shape).superRefine(withinJsonBounds);
export type DecisionMessage = z.infer<typeof DecisionMessage>;

/** The command a decision becomes, on either path. `department`: the sender, when known (the decider checks it). */
export function recordDecisionOf(d: DecisionInput, to: { taskId: string; department?: string | undefined }, now: string): RecordDecision {
  return {
    type: 'RecordDecision',
    data: {
      taskId: to.taskId,
      decisionId: d.decisionId,
      decision: d.decision,
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
      ...(d.output !== undefined ? { output: d.output } : {}),
      ...(d.missingMaterials !== undefined ? { missingMaterials: d.missingMaterials } : {}),
      ...(to.department ? { department: to.department } : {}),
      ...(d.onCommitment ? { onCommitment: true } : {}),
    },
    now,
  };
}
