/**
 * What the main routes answer, for the OpenAPI document only. Routes list these in
 * `config.responses`; app.ts adds them to the document when it is generated. They are
 * never compiled into serializers, so a response is exactly what the handler sends
 * (nothing filtered, nothing refused). tests/e2e/openapi.e2e.spec.ts validates real
 * responses against the document, which keeps the two in step. Objects are open: a
 * field added later is not a breaking change.
 */
import { z } from 'zod';
import { CASE_STATUSES, TASK_STATUSES } from './schemas.js';

const Instant = z.string().meta({ description: 'ISO 8601 instant (UTC)', examples: ['2026-03-02T01:00:00.000Z'] });
const Light = z.enum(['green', 'yellow', 'red']).meta({ description: '绿灯 on time, 黄灯 close to the committed limit, 红灯 overdue' });

/** application/problem+json (RFC 9457); validation failures list every field at once. */
export const ProblemDoc = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'one entry per invalid field: its path and the reason' }),
});

const TimeLimitFieldsDoc = {
  clockState: z.enum(['not-started', 'running', 'paused', 'stopped']).optional(),
  committedDays: z.number().optional().meta({ description: '承诺时限, working days' }),
  statutoryDays: z.number().nullable().optional().meta({ description: '法定时限, working days; null: no law sets one (无法定时限)' }),
  extendedWorkingDays: z.number().optional().meta({ description: 'working days added by a lawful extension (延长), to both limits' }),
  dueAt: Instant.nullable().optional().meta({ description: 'end of the committed limit; null only when the clock has not started (a year without a notice is predicted: see provisional)' }),
  statutoryDueAt: Instant.nullable().optional(),
  warningAt: Instant.nullable().optional(),
  elapsedWorkingDays: z.number().nullable().optional(),
  pausedWorkingDays: z.number().nullable().optional(),
  light: Light.nullable().optional(),
  provisional: z.boolean().optional().meta({ description: 'true: a due date depends on a year whose notice is not published yet (its working days are predicted); it may move when the notice is imported (暂定)' }),
  clockNote: z.string().optional(),
  pausedBy: z
    .array(
      z.looseObject({
        cause: z.enum(['supplement', 'special-procedure']),
        since: Instant,
        step: z.string().optional().meta({ description: 'the step whose 补正 or 特别程序 it is; absent for a case-wide 特别程序' }),
        kind: z.string().optional().meta({ description: 'the 特别程序 (inspection, testing, …)' }),
        note: z.string().optional(),
      }),
    )
    .optional()
    .meta({ description: '暂停中: while clockState is paused, what holds the clock and since when' }),
};

export const TaskViewDoc = z.looseObject({
  id: z.string().meta({ description: '<caseId>.<step>', examples: ['01a2…7d.tax'] }),
  step: z.string(),
  department: z.string(),
  service: z.string(),
  status: z.enum(TASK_STATUSES),
  dependsOn: z.array(z.string()),
  attempts: z.number().int(),
  dispatchedAt: Instant.optional(),
  decidedAt: Instant.optional(),
  output: z.record(z.string(), z.unknown()).optional().meta({ description: "the department's result (licence number, account, …)" }),
  reason: z.string().optional(),
  missingMaterials: z.array(z.string()).optional(),
  ...TimeLimitFieldsDoc,
});

export const CaseViewDoc = z.looseObject({
  id: z.string(),
  caseNumber: z.string().optional().meta({ description: '办件编号: the short number people use (date and a per-day sequence, e.g. 20261205-000123); searchable with GET /cases?q=' }),
  matter: z.string(),
  matterName: z.string(),
  matterVersion: z.number().int().meta({ description: 'the matter definition version the case runs under' }),
  status: z.enum(CASE_STATUSES),
  applicant: z.looseObject({ name: z.string(), idType: z.string(), idNumber: z.string(), phone: z.string() }),
  form: z.record(z.string(), z.unknown()),
  materials: z.array(z.string()),
  createdAt: Instant,
  updatedAt: Instant,
  completedAt: Instant.optional(),
  reason: z.string().optional(),
  revision: z.number().int().meta({ description: "position of the case's last event" }),
  tasks: z.array(TaskViewDoc),
  outputs: z.record(z.string(), z.record(z.string(), z.unknown())).meta({ description: 'approved outputs by step' }),
  reviews: z.array(z.unknown()),
  rectifications: z.array(z.unknown()),
  ...TimeLimitFieldsDoc,
});

export const CaseSummaryDoc = z.looseObject({
  id: z.string(),
  matter: z.string(),
  status: z.enum(CASE_STATUSES),
  applicantName: z.string(),
  createdAt: Instant,
  updatedAt: Instant,
  completedAt: Instant.optional(),
  departments: z.array(z.string()),
  tasks: z.record(z.string(), z.looseObject({ department: z.string(), status: z.enum(TASK_STATUSES) })),
});

export const CasePageDoc = z.looseObject({
  items: z.array(CaseSummaryDoc),
  nextCursor: z.string().nullable().meta({ description: 'pass as `cursor` for the next page; null on the last one' }),
});

export const EventDoc = z.looseObject({
  position: z.number().int(),
  globalPosition: z.number().int(),
  type: z.string(),
  data: z.unknown(),
  metadata: z.unknown(),
  recordedAt: Instant,
  hash: z.string().meta({ description: 'SHA-256 (hex) over the canonical JSON of the event and prevHash' }),
  prevHash: z.string(),
});

export const DecisionResultDoc = z.looseObject({
  duplicate: z.boolean().meta({ description: 'true when this decisionId was recorded before: nothing changed' }),
  task: TaskViewDoc,
  case: CaseViewDoc,
});

const ChainProblemDoc = z.looseObject({ streamId: z.string(), position: z.number().int(), reason: z.string() });

/** GET /cases/:id: the case view, and whether its hash chain verifies as stored now. */
export const CaseViewWithIntegrityDoc = CaseViewDoc.extend({
  integrity: z.object({
    intact: z.boolean(),
    problem: ChainProblemDoc.nullable().meta({ description: 'the first position that cannot be trusted, and why' }),
  }),
});

export const VerificationDoc = z.looseObject({
  caseId: z.string(),
  intact: z.boolean(),
  events: z.number().int(),
  anchored: z.number().int().meta({ description: 'daily anchors that recorded a head of this case' }),
  problem: ChainProblemDoc.nullable().meta({ description: 'the first position that cannot be trusted, and why' }),
  anchorProblems: z.array(ChainProblemDoc),
  snapshotsChecked: z.number().int(),
  badSnapshots: z.array(z.number().int()),
});

export const TimelineDoc = z.looseObject({
  caseId: z.string(),
  matter: z.string(),
  matterName: z.string().optional(),
  matterVersion: z.number().int(),
  entries: z.array(
    z.looseObject({
      position: z.number().int(),
      type: z.string(),
      at: Instant,
      time: z.string().meta({ description: 'Beijing time, YYYY-MM-DD HH:mm:ss' }),
      actor: z.string().nullable(),
      who: z.string().meta({ description: 'who did it, in Chinese' }),
      what: z.string().meta({ description: 'what was done, in Chinese' }),
      clocks: z.looseObject({}),
      clock: z.string().meta({ description: '计时状态 in words' }),
      text: z.string().meta({ description: 'the whole line' }),
    }),
  ),
});

export const AnchorsDoc = z.looseObject({
  anchors: z.array(
    z.looseObject({
      day: z.string().meta({ description: 'China calendar date (UTC+8)', examples: ['2026-03-02'] }),
      cutoff: Instant,
      root: z.string().meta({ description: 'Merkle root (RFC 6962, SHA-256, hex) over every stream\'s head as of the cutoff' }),
      streams: z.number().int(),
      events: z.number().int(),
      changed: z.number().int(),
      recordedAt: Instant,
      position: z.number().int(),
    }),
  ),
  problems: z.array(ChainProblemDoc),
});

export const MatterSummaryDoc = z.looseObject({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  departments: z.array(z.string()),
  statutoryDays: z.number().nullable().meta({ description: '法定时限 of the whole matter; null: no law sets one (无法定时限)' }),
  committedDays: z.number(),
});

/** Per status code; documented only (see the file comment). */
export type DocumentedResponses = Record<number, z.ZodType>;

/** The problems every route may answer with. */
export const PROBLEMS: DocumentedResponses = { 400: ProblemDoc, 401: ProblemDoc, 403: ProblemDoc, 404: ProblemDoc };

/** What a route that takes a body may answer besides: a body too large, or not JSON. */
export const BODY_PROBLEMS: DocumentedResponses = { 413: ProblemDoc, 415: ProblemDoc };
