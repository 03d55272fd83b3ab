import { AccessLog, caseTimeline, readAnchors, replayFromStore, streamIntegrity, toCaseView, verifyCase, type StartedCase } from '@onematter/engine';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withCalendarNotes } from '../audit/calendarNotes.js';
import { deployedOf } from '../matters/book.js';
import { auditReaderOf } from '../audit/reader.js';
import { caseListNames } from '../audit/witnesses.js';
import { timelineLabels } from '../audit/labels.js';
import { AUDIT } from '../auth/roles.js';
import { problem, sendDomainError, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';
import { CaseIdParams } from './schemas.js';
import { AnchorsDoc, CaseViewWithIntegrityDoc, PROBLEMS, TimelineDoc, VerificationDoc } from './responses.js';

const Reason = z.string().max(200).optional().meta({ description: 'Why the case is read (审计事由), recorded in the access log; or send X-Audit-Reason.' });

const StateQuery = z
  .object({
    asOf: z.iso.datetime({ offset: true }).optional().meta({ description: 'The state as of this moment: every event recorded at or before it.' }),
    position: z.coerce.number().int().min(0).optional().meta({ description: 'The state after the event at this position (inclusive).' }),
    reason: Reason,
  })
  .refine((q) => q.asOf === undefined || q.position === undefined, { message: 'give asOf or position, not both', path: ['asOf'] });

const TimelineQuery = z.object({
  format: z.enum(['json', 'text']).default('json').meta({ description: 'text: one line per event, in Chinese.' }),
  reason: Reason,
});

/**
 * The auditor's API (审计): read-only. Every read of a case is recorded first, in
 * the access log (who, when, why, what); if that record cannot be written the read
 * is refused. Replays use the live engine's fold (replayCase -> foldStored), from
 * the latest case snapshot before the point when there is one.
 */
export const auditRoutes: FastifyPluginAsyncZod<{ runtime: Runtime; people?: () => Promise<Record<string, string>> }> = async (app, { runtime, people }) => {
  const accessLog = new AccessLog(runtime.store, runtime.clock);
  const recordRead = (req: FastifyRequest, caseId: string) =>
    accessLog.record({ ...auditReaderOf(req), caseId, route: `${req.method} ${req.routeOptions.url ?? req.url}` });
  const nameOf = (matter: string, version: number) => runtime.catalogue.get(matter, version)?.definition.name;
  /** The view with the clocks read at `now`: what the engine showed at that moment. */
  // The clocks as a clerk saw them at that moment: against the calendar known then (imports after it not applied).
  const viewAt = (state: StartedCase, now: Date) => toCaseView(state, { ...runtime.timeLimits.timeLimitContext(), calendar: runtime.timeLimits.book.asOf(now), now });


  app.get(
    '/cases/:id/state',
    {
      schema: {
        tags: ['audit'],
        summary: '回放: the state the engine had at a moment or position',
        description:
          'Folds the prefix of the case\'s stream with the live engine\'s fold, under the matter version the case started with, and renders it like GET /cases/:id (clocks read at that moment), with the same `integrity` of the stream as stored now. Without asOf or position: the state now. Recorded in the access log.',
        params: CaseIdParams,
        querystring: StateQuery,
      },
      config: { roles: AUDIT, responses: { 200: CaseViewWithIntegrityDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      await recordRead(req, req.params.id);
      const { asOf, position } = req.query;
      // From the latest case snapshot at or before the point, when there is one (long cases).
      const r = await replayFromStore(runtime, req.params.id, asOf !== undefined ? { asOf } : position !== undefined ? { position } : {});
      if (!r.ok) return sendDomainError(reply, r.error);
      const state = r.value.state;
      const now = asOf !== undefined ? new Date(asOf) : position !== undefined ? new Date(state.updatedAt) : runtime.clock.now();
      return { ...viewAt(state, now), integrity: streamIntegrity(req.params.id, await runtime.store.readStream(req.params.id)) };
    },
  );

  app.get(
    '/cases/:id/timeline',
    {
      schema: {
        tags: ['audit'],
        summary: '办件时间线: who did what, when, and which clock ran (in Chinese)',
        params: CaseIdParams,
        querystring: TimelineQuery,
      },
      config: { roles: [...AUDIT, 'applicant'], responses: { 200: TimelineDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      await recordRead(req, req.params.id);
      const events = await runtime.store.readStream(req.params.id);
      if (events.length === 0) return sendProblem(reply, problem(404, `case ${req.params.id} not found`, undefined, req.url));
      const notes = { store: runtime.store, catalogue: runtime.catalogue, book: runtime.timeLimits.book, policy: runtime.timeLimits.policy };
      const timeline = await withCalendarNotes(notes, req.params.id, caseTimeline(req.params.id, events, nameOf, deployedOf(runtime.matters), timelineLabels(runtime.catalogue, await people?.())));
      if (req.query.format === 'text') {
        return reply.type('text/plain; charset=utf-8').send(timeline.entries.map((e) => `#${e.position} ${e.text}`).join('\n') + '\n');
      }
      return timeline;
    },
  );

  app.get(
    '/cases/:id/verification',
    {
      schema: {
        tags: ['audit'],
        summary: '校验: the case\'s hash chain and its heads against the daily anchors',
        description: '`intact: false` names the first position that cannot be trusted and why. Recorded in the access log.',
        params: CaseIdParams,
        querystring: z.object({ reason: Reason }),
      },
      config: { roles: AUDIT, responses: { 200: VerificationDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      await recordRead(req, req.params.id);
      const v = await verifyCase(runtime.store, req.params.id, { ...runtime, namedBy: await caseListNames(runtime.store.readModels, req.params.id) });
      if (v.unknown) return sendProblem(reply, problem(404, `case ${req.params.id} not found, and no anchor names it`, undefined, req.url));
      return v;
    },
  );

  app.get(
    '/audit/anchors',
    {
      schema: {
        tags: ['audit'],
        summary: '每日锚点: the published digests over every case\'s head, by day',
        description: 'Each day\'s Merkle root (RFC 6962) over every stream\'s head as of the end of the day (UTC+8). Compare a root with the copy published elsewhere.',
      },
      config: { roles: AUDIT, responses: { 200: AnchorsDoc, ...PROBLEMS } },
    },
    async () => {
      const { anchors, problems } = await readAnchors(runtime.store);
      return {
        anchors: anchors.map((a) => ({
          day: a.data.day,
          cutoff: a.data.cutoff,
          root: a.data.root,
          streams: a.data.streams,
          events: a.data.events,
          changed: a.data.changed.length,
          recordedAt: a.data.at,
          position: a.position,
        })),
        problems,
      };
    },
  );
};
